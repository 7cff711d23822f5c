import { z } from "zod";
import { ActivateVersion, DeactivateFunction, DeleteFunction, DeployFunction, UpdateFunction } from "../function/commands.js";
import { FunctionSummary, FunctionVersionView, FunctionView } from "../function/view.js";
import { FunctionSpec } from "../events/function.js";
import { FunctionName } from "../ids.js";
import { InvocationStats } from "./cluster.js";
import { endpoint } from "./endpoint.js";
import { page, PageRequest, ReadAfter, Seq } from "./envelope.js";

/** A function with every version, and its invocation outcomes so far. */
export const FunctionDetail = FunctionView.extend({ stats: InvocationStats.nullable() });
export type FunctionDetail = z.infer<typeof FunctionDetail>;

const FunctionChanged = z.object({ function: FunctionView, seq: Seq });

export const functionsApi = {
  deploy: endpoint("functions", "deploy", {
    kind: "command",
    description:
      "Deploy a new immutable version (numbered last + 1) and, unless activate is false, make it the active one. A spec equal to the latest version adds no version. An artifact must be registered first (artifacts.register).",
    request: DeployFunction,
    result: z.object({
      function: FunctionView,
      version: z.number().int().min(1),
      /** False when the spec equalled the latest version and no version was added. */
      created: z.boolean(),
      seq: Seq,
    }),
    errors: ["artifact_not_found"],
  }),
  update: endpoint("functions", "update", {
    kind: "command",
    description: "Change a function's description or labels.",
    request: UpdateFunction,
    result: FunctionChanged,
    errors: ["function_not_found", "function_deleted"],
  }),
  activate: endpoint("functions", "activate", {
    kind: "command",
    description: "Make a version the one that invocations without a version run.",
    request: ActivateVersion,
    result: FunctionChanged,
    errors: ["function_not_found", "function_deleted", "version_not_found"],
  }),
  deactivate: endpoint("functions", "deactivate", {
    kind: "command",
    description: "Leave the function without an active version: invocations must name one.",
    request: DeactivateFunction,
    result: FunctionChanged,
    errors: ["function_not_found", "function_deleted", "function_inactive"],
  }),
  delete: endpoint("functions", "delete", {
    kind: "command",
    description: "Delete a function: none of its versions can be invoked until it is deployed again.",
    request: DeleteFunction,
    result: FunctionChanged,
    errors: ["function_not_found", "function_deleted"],
  }),
  get: endpoint("functions", "get", {
    kind: "query",
    description: "One function with every version and its invocation stats.",
    request: ReadAfter.extend({ name: FunctionName }),
    result: FunctionDetail,
    errors: ["function_not_found"],
  }),
  list: endpoint("functions", "list", {
    kind: "query",
    description: "Functions by name, a page at a time, each with the version that runs by default and its artifact.",
    request: PageRequest.extend({ includeDeleted: z.boolean().default(false) }),
    result: page(FunctionSummary),
  }),
  versions: endpoint("functions", "versions", {
    kind: "query",
    description: "A function's versions with their specs, oldest first, a page at a time.",
    request: PageRequest.extend({ name: FunctionName }),
    result: page(FunctionVersionView),
    errors: ["function_not_found"],
  }),
  resolve: endpoint("functions", "resolve", {
    kind: "query",
    description: "The spec an invocation runs: the version named, else the active one.",
    request: ReadAfter.extend({ name: FunctionName, version: z.number().int().min(1).optional() }),
    result: z.object({ name: FunctionName, version: z.number().int().min(1), spec: FunctionSpec }),
    errors: ["function_not_found", "function_deleted", "function_inactive", "version_not_found"],
  }),
};
