import { artifactsApi } from "./artifacts.js";
import { clusterApi } from "./cluster.js";
import { dlqApi } from "./dlq.js";
import type { AnyEndpoint } from "./endpoint.js";
import { functionsApi } from "./functions.js";
import { invocationsApi } from "./invocations.js";
import { nodesApi } from "./nodes.js";
import { poolsApi } from "./pools.js";
import { projectionsApi } from "./projections.js";
import { sessionsApi } from "./sessions.js";

/** Every verb of the control plane's API, by area: `api.nodes.list`, `api.functions.deploy`, ... */
export const api = {
  nodes: nodesApi,
  functions: functionsApi,
  artifacts: artifactsApi,
  pools: poolsApi,
  sessions: sessionsApi,
  cluster: clusterApi,
  projections: projectionsApi,
  invocations: invocationsApi,
  dlq: dlqApi,
};

/** The same verbs as a list, in area order (docs/api.md follows it). */
export const apiEndpoints: readonly AnyEndpoint[] = Object.values(api).flatMap((area) => Object.values(area) as AnyEndpoint[]);
