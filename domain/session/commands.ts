import { z } from "zod";
import { LanguagePair, PoolId, SessionId, TenantId } from "../ids.js";

/**
 * Binds a session to its preferred pool, once: two schedulers that race bind it one way
 * (the loser's retry sees the binding and is refused unless it agrees). A different
 * language pair rebinds; an ended session binds afresh.
 */
export const BindSession = z.object({ sessionId: SessionId, poolId: PoolId, langPair: LanguagePair.optional(), tenant: TenantId.optional() });
export const EndSession = z.object({ sessionId: SessionId });
/**
 * Moves a bound session off a pool that can no longer take it (removed, or no longer
 * eligible). Compare-and-set on the pool it expects the session to be bound to, so two
 * schedulers moving it at once move it once.
 */
export const RebindSession = z.object({ sessionId: SessionId, poolId: PoolId, previousPoolId: PoolId, langPair: LanguagePair.optional() });

type Cmd<T extends string, S extends z.ZodType> = { readonly type: T } & z.output<S>;
export type BindSessionCommand = Cmd<"BindSession", typeof BindSession>;
export type EndSessionCommand = Cmd<"EndSession", typeof EndSession>;
export type RebindSessionCommand = Cmd<"RebindSession", typeof RebindSession>;
/** The expiry sweeper's verdict; does nothing to a session that is not bound. */
export type ExpireSessionCommand = Cmd<"ExpireSession", typeof EndSession>;
export type SessionCommand = BindSessionCommand | RebindSessionCommand | EndSessionCommand | ExpireSessionCommand;
