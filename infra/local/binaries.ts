import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { SpearError } from "../../domain/errors.js";

export type ServerBinary = "nats-server" | "redis-server";

/** The Debian package that provides each binary; `npm start` / `npm test` install it when root. */
export const debianPackage: Record<ServerBinary, string> = { "nats-server": "nats-server", "redis-server": "redis-server" };

const extraDirs = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];

export function locateBinary(name: ServerBinary, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env[name === "nats-server" ? "SPEAR_NATS_SERVER_BIN" : "SPEAR_REDIS_SERVER_BIN"];
  if (override) return override;
  const dirs = [...(env.PATH ?? "").split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function requireBinary(name: ServerBinary): string {
  const found = locateBinary(name);
  if (found) return found;
  throw new SpearError(
    "binary_missing",
    `${name} is not installed. Install it with 'sudo apt-get install -y ${debianPackage[name]}' (Debian/Ubuntu), ` +
      `or put it on PATH, or set ${name === "nats-server" ? "SPEAR_NATS_SERVER_BIN" : "SPEAR_REDIS_SERVER_BIN"} to its path.`,
    { binary: name },
  );
}
