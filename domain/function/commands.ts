import { z } from "zod";
import { FunctionSpec } from "../events/function.js";
import { FunctionName, Labels } from "../ids.js";

/**
 * Deploys a new immutable version (numbered by the decider: last + 1). Deploying a spec
 * equal to the latest version adds no version; it only activates it when asked.
 */
export const DeployFunction = z.object({ name: FunctionName, spec: FunctionSpec, activate: z.boolean().default(true) });

export const UpdateFunction = z
  .object({ name: FunctionName, description: z.string().max(1024).optional(), labels: Labels.optional() })
  .refine((u) => u.description !== undefined || u.labels !== undefined, "an update must give a description or labels");

export const ActivateVersion = z.object({ name: FunctionName, version: z.number().int().min(1) });
export const DeactivateFunction = z.object({ name: FunctionName });
export const DeleteFunction = z.object({ name: FunctionName });

type Cmd<T extends string, S extends z.ZodType> = { readonly type: T } & z.output<S>;
export type DeployFunctionCommand = Cmd<"DeployFunction", typeof DeployFunction>;
export type UpdateFunctionCommand = Cmd<"UpdateFunction", typeof UpdateFunction>;
export type ActivateVersionCommand = Cmd<"ActivateVersion", typeof ActivateVersion>;
export type DeactivateFunctionCommand = Cmd<"DeactivateFunction", typeof DeactivateFunction>;
export type DeleteFunctionCommand = Cmd<"DeleteFunction", typeof DeleteFunction>;

export type FunctionCommand = DeployFunctionCommand | UpdateFunctionCommand | ActivateVersionCommand | DeactivateFunctionCommand | DeleteFunctionCommand;
