import type { ChildProcess } from "node:child_process";

/**
 * Stops a child we started, by its handle (never by name): SIGTERM once, then SIGKILL if it
 * has not exited within `graceMs`. `exited` resolves when it exits.
 */
export async function terminate(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = new Promise<"late">((r) => setTimeout(() => r("late"), graceMs).unref());
  if ((await Promise.race([exited, timer])) === "late") {
    child.kill("SIGKILL");
    await exited;
  }
}
