/**
 * Spear's client SDK: `import { SpearClient } from "spear"`. docs/sdk.md shows it in use.
 */
export { SpearClient, DEFAULT_WAIT_MS } from "./client.js";
export type {
  ConnectOptions,
  DeployResult,
  InvocationEvent,
  InvocationQuery,
  InvokeOptions,
  SubmitOptions,
  WaitOptions,
  WatchOptions,
} from "./client.js";
export type { ArtifactSource, DeployDefinition } from "./deploy.js";
export { InvocationFailedError } from "./errors.js";
export { SpearError, isSpearError, errorCatalog, type ErrorCode } from "../../domain/errors.js";
export type { InvocationFinished, InvocationStatus, InvokeRequest } from "../../domain/events/invocation.js";
export type { SyncInvokeRequest } from "../../domain/api/invoke.js";
export type { ResultList } from "../../streams/invocations/list-results.js";
export type { NodeEntry } from "../../domain/api/nodes.js";
export type { DeadLetterEntry, DeadLetterSummary, Redriven, RedriveRequest } from "../../domain/api/dlq.js";
export type { FunctionSummary, FunctionView } from "../../domain/function/view.js";
export type { ArtifactView } from "../../domain/artifact/view.js";
export type { TraceHeaders } from "../../domain/trace-context.js";
