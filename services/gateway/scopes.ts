import { z } from "zod";

/**
 * What a token may do on the gateway. Each /v1 route needs one scope; `admin` holds them all
 * (and alone opens the routes that change the cluster itself: nodes and pools).
 */
export const Scope = z.enum(["invoke", "read", "deploy", "admin"]);
export type Scope = z.infer<typeof Scope>;

export const scopeMeaning: Readonly<Record<Scope, string>> = {
  invoke: "invoke functions, read invocation results, end sessions",
  read: "read functions, versions, nodes, pools, sessions, projections and the cluster stats, and follow the cluster's live events",
  deploy: "deploy, activate, deactivate and delete functions",
  admin:
    "everything: the other scopes, and drain, undrain and deregister nodes, apply pools; list every invocation and read its story, watch a function's results, read and redrive dead letters (these reveal other callers' invocation ids, inputs and outputs)",
};

/** Every scope there is: what a `--tokens` entry holds. */
export const ALL_SCOPES: ReadonlySet<Scope> = new Set<Scope>(["admin"]);

export const grants = (held: ReadonlySet<Scope>, needed: Scope): boolean => held.has("admin") || held.has(needed);
