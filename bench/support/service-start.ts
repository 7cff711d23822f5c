import getPort from "get-port";
import { ServiceProcess } from "../../infra/local/service-process.js";
import type { ScenarioContext } from "./scenario.js";

/**
 * Spawns one service of the real CLI and measures from the spawn to the first /readyz that
 * says ready, the way `spear dev` decides a service is up. Polled every 10 ms, within
 * `timeoutMs`; a service that exits first fails the measurement. With `orGiveUp`, a service
 * not ready in time gives `ms: undefined` instead of failing (a baseline that may be very slow).
 */
export async function timeToReady(
  ctx: ScenarioContext,
  o: { name: string; args: readonly string[]; env: NodeJS.ProcessEnv; logDir: string; timeoutMs: number; orGiveUp?: boolean },
): Promise<{ ms: number | undefined; proc: ServiceProcess }> {
  const port = await getPort({ host: "127.0.0.1" });
  const proc = new ServiceProcess({ name: o.name, args: [...o.args, "--monitor-port", String(port)], env: o.env, logDir: o.logDir, detached: false });
  const t0 = performance.now();
  proc.start();
  if (proc.pid !== undefined) ctx.labelProcess(proc.pid, o.name);
  ctx.defer(() => proc.stop(15_000));
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (!proc.running) throw new Error(`${o.name} exited before it was ready: ${proc.tail(10).join("\n")}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { ms: performance.now() - t0, proc };
    if (Date.now() > deadline && o.orGiveUp && !ctx.signal.aborted) return { ms: undefined, proc };
    if (Date.now() > deadline || ctx.signal.aborted) throw new Error(`${o.name} was not ready within ${o.timeoutMs} ms: ${proc.tail(10).join("\n")}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
