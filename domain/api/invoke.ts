import { z } from "zod";
import type { ErrorCode } from "../errors.js";
import { InvocationFinished, InvokeRequest, type InvocationStatus } from "../events/invocation.js";
import { InvocationId } from "../ids.js";
import { subjects } from "../subjects.js";
import { endpoint, type ApiEndpoint } from "./endpoint.js";

/** How long the sync API waits for a result unless the request says otherwise, and at most. */
export const DEFAULT_INVOKE_WAIT_MS = 30_000;
export const MAX_INVOKE_WAIT_MS = 15 * 60_000;

/** The body of `spear.api.invoke.<function>`: an InvokeRequest plus how to wait for it. */
export const SyncInvokeRequest = InvokeRequest.extend({
  /** Client-chosen id: sending the same request again (a retry after a lost reply) is the same invocation. */
  invocationId: InvocationId.optional(),
  /** How long the replica waits for the final result before answering `timeout` (the invocation goes on). */
  waitMs: z.number().int().min(1).max(MAX_INVOKE_WAIT_MS).default(DEFAULT_INVOKE_WAIT_MS),
});
export type SyncInvokeRequest = z.infer<typeof SyncInvokeRequest>;

/**
 * The sync invoke verb: served by every control-plane replica (queue group) on the wildcard
 * subject, the function being the last token. Not part of `api` (whose verbs have fixed
 * subjects): `subject` holds the pattern for the docs, `subjectOf` one function's subject.
 */
export interface InvokeEndpoint extends ApiEndpoint<typeof SyncInvokeRequest, typeof InvocationFinished> {
  readonly subjectOf: (fn: string) => string;
}

const base = endpoint("invoke", "<function>", {
  kind: "command",
  description:
    "Invoke a function and answer with its one final result (any status); the request goes to the durable stream spear.invoke.<function> before anything waits, so nothing is lost when the caller goes away.",
  request: SyncInvokeRequest,
  result: InvocationFinished,
  errors: ["service_unavailable"],
  timeoutMs: DEFAULT_INVOKE_WAIT_MS + 5_000,
});

export const invokeEndpoint: InvokeEndpoint = { ...base, subjectOf: (fn) => subjects.api("invoke", fn) };

/** The endpoint with one function's subject (or `*`, the subscription of the replicas). */
export const atFunction = (fn: string): InvokeEndpoint => ({ ...invokeEndpoint, subject: invokeEndpoint.subjectOf(fn) });

/** What each final status means and the codes its `error` can carry (docs/api.md renders this). */
export const invocationOutcomes: Readonly<Record<InvocationStatus, { readonly meaning: string; readonly codes: readonly ErrorCode[] }>> = {
  succeeded: { meaning: "The function ran and returned `output`.", codes: [] },
  failed: {
    meaning: "The function ran and failed in a way another node would repeat; not retried.",
    codes: ["function_error", "invalid_output", "output_too_large", "memory_limit_exceeded", "cpu_limit_exceeded", "permission_denied"],
  },
  timed_out: { meaning: "The function passed its per-call time limit and was stopped.", codes: ["timeout"] },
  rejected: {
    meaning: "The scheduler gave up before running it: a bad request, nothing to run, nowhere to run it in time.",
    codes: [
      "invalid_request",
      "function_not_found",
      "function_deleted",
      "function_inactive",
      "version_not_found",
      "no_eligible_pool",
      "function_requirements_unmet",
      "no_capacity",
      "request_lost",
    ],
  },
  dead_lettered: { meaning: "Every attempt allowed failed on a node; the request was copied to `spear.dlq.invocation.<function>`.", codes: ["attempts_exhausted"] },
};
