import { SpearError, type ErrorCode } from "../../domain/errors.js";

/** Error replies the lease scripts raise on purpose, by the word they start with. */
const scriptCodes: Readonly<Record<string, ErrorCode>> = {
  SPEAR_STATE_LOST: "lease_state_lost",
  SPEAR_LEASE_NOT_FOUND: "lease_not_found",
  SPEAR_LEASE_EXPIRED: "lease_expired",
  SPEAR_LEASE_NOT_HELD: "lease_not_held",
};

/** Replies that mean the server is there but cannot serve yet: as good as unreachable. */
const unavailableReplies = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/**
 * A failed Redis call as a SpearError: the scripts' own refusals keep their codes; a reply
 * error that is not ours is internal; anything else (closed or refused connection, timeout,
 * the offline queue being off) is `redis_unreachable`, so the caller naks and retries later.
 */
export function redisError(e: unknown, url: string): SpearError {
  if (e instanceof SpearError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && e.name === "ReplyError") {
    const word = /^SPEAR_[A-Z_]+/.exec(message)?.[0];
    if (word && scriptCodes[word]) return new SpearError(scriptCodes[word], message.slice(word.length + 1).split(" script:")[0]!.trim(), undefined, { cause: e });
    if (!unavailableReplies.test(message)) return new SpearError("internal", `Redis refused a lease command: ${message}`, undefined, { cause: e });
  }
  return new SpearError("redis_unreachable", `Redis at ${url} is unreachable: ${message}`, { url }, { cause: e });
}
