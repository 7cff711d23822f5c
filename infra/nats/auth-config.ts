import { permissionsOf, type Role } from "./permissions.js";

/** One NATS user: a role's identity (a spearlet's names its node). */
export interface NatsIdentity {
  readonly user: string;
  readonly password: string;
  readonly role: Role;
  readonly nodeId?: string;
}

/** The user name each role's identity has by convention (spearlets: one per node). */
export const userOf = (role: Role, nodeId?: string): string => (role === "spearlet" ? `spearlet-${nodeId}` : role);

const list = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;

/**
 * The `authorization` block of a nats-server configuration: every identity with its role's
 * permissions (permissions.ts). No user means no connection: anonymous clients are refused.
 */
export function authorizationBlock(identities: readonly NatsIdentity[]): string {
  const users = identities.map((id) => {
    const p = permissionsOf(id.role, id.nodeId);
    const publish = `{ allow: ${list(p.publish.allow)}${p.publish.deny?.length ? `, deny: ${list(p.publish.deny)}` : ""} }`;
    return `    { user: ${JSON.stringify(id.user)}, password: ${JSON.stringify(id.password)}, permissions: { publish: ${publish}, subscribe: { allow: ${list(p.subscribe.allow)} } } }`;
  });
  return ["authorization {", "  users = [", ...users, "  ]", "}", ""].join("\n");
}
