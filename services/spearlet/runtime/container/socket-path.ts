/** The engine's unix socket: `DOCKER_HOST=unix://...` when set, else the standard path. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith("unix://") && host.length > "unix://".length) return host.slice("unix://".length);
  return "/var/run/docker.sock";
}
