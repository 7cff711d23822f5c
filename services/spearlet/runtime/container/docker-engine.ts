import Docker from "dockerode";

/**
 * A client of the Docker Engine API over its unix socket. No client-wide timeout: it would also
 * cut the long-lived attach streams of warm containers; calls that must be quick race a timer.
 */
export const engineClient = (socketPath: string) => new Docker({ socketPath });

/** Whether the engine answers within `timeoutMs`; the reason when it does not. */
export async function pingEngine(docker: Docker, socketPath: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    const r = await Promise.race([docker.ping().then(() => undefined), late]);
    return r === undefined ? { ok: true } : { ok: false, reason: `no Docker engine answers at ${socketPath}: ${r}` };
  } catch (e) {
    return { ok: false, reason: `no Docker engine answers at ${socketPath}: ${(e as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** The engine's HTTP status of a failed call (404 for a missing image or container), when it has one. */
export const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number }).statusCode;
