import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { userOf, type NatsIdentity } from "../nats/auth-config.js";
import { roles, type Role } from "../nats/permissions.js";

/**
 * The secrets of a local Spear (`spear dev`, the test and bench stacks): a NATS password per
 * role (per node for spearlets), Redis's password and a gateway token with every scope. Kept in
 * `<dataDir>/credentials.json`, readable by its owner only, and reused by the next start.
 */
export interface LocalCredentials {
  readonly nats: readonly NatsIdentity[];
  readonly redisPassword: string;
  readonly gatewayToken: string;
}

/** A random secret that needs no escaping in URLs or configuration files. */
export const newSecret = (): string => randomBytes(18).toString("base64url");

/** Fresh credentials for these spearlet node ids. */
export function generateCredentials(nodeIds: readonly string[]): LocalCredentials {
  const identity = (role: Role, nodeId?: string): NatsIdentity => ({ user: userOf(role, nodeId), password: newSecret(), role, ...(nodeId ? { nodeId } : {}) });
  return {
    nats: [...roles.filter((r) => r !== "spearlet").map((r) => identity(r)), ...nodeIds.map((id) => identity("spearlet", id))],
    redisPassword: newSecret(),
    gatewayToken: newSecret(),
  };
}

/** The folder's credentials, created (or completed with identities for new nodes) when needed. */
export function loadCredentials(dataDir: string, nodeIds: readonly string[]): LocalCredentials {
  const file = join(dataDir, "credentials.json");
  let current: LocalCredentials | undefined;
  if (existsSync(file)) {
    try {
      current = JSON.parse(readFileSync(file, "utf8")) as LocalCredentials;
    } catch {
      current = undefined;
    }
  }
  const fresh = generateCredentials(nodeIds);
  const added = current ? fresh.nats.filter((f) => !current.nats.some((c) => c.user === f.user)) : [];
  const merged: LocalCredentials = current ? { ...current, nats: [...current.nats, ...added] } : fresh;
  if (!current || added.length > 0) {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  }
  return merged;
}

/** The identity of a role (a spearlet's names its node). */
export function identityOf(c: LocalCredentials, role: Role, nodeId?: string): NatsIdentity {
  const user = userOf(role, nodeId);
  const id = c.nats.find((i) => i.user === user);
  if (!id) throw new Error(`no NATS identity for ${user}`);
  return id;
}

/** A NATS URL carrying an identity (Spear's clients read the user and password from it). */
export const natsUrlAs = (url: string, id: NatsIdentity): string =>
  url.replace("://", `://${encodeURIComponent(id.user)}:${encodeURIComponent(id.password)}@`);

/** A Redis URL carrying the password. */
export const redisUrlWith = (url: string, password: string): string => url.replace("://", `://:${encodeURIComponent(password)}@`);
