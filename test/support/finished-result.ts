import type { InvocationFinished } from "../../domain/events/invocation.js";

/** A succeeded result of `echo` that says which node ran it. */
export const finishedResult = (invocationId: string, nodeId: string): InvocationFinished => ({
  invocationId,
  function: "echo",
  version: 1,
  status: "succeeded",
  output: { from: nodeId },
  nodeId,
  attempts: 1,
  timings: { submittedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), totalMs: 1 },
});
