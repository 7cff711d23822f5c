import type { Command } from "commander";
import type { AnyEndpoint, RequestOf, ResultOf } from "../../../domain/api/endpoint.js";
import { smsRequest } from "../../api/client.js";
import { cliContext, withNats, type CliContext } from "../context.js";

/** One API call from a one-shot command: connect, ask, disconnect. */
export async function callSms<E extends AnyEndpoint>(cmd: Command, endpoint: E, request: RequestOf<E>): Promise<{ ctx: CliContext; result: ResultOf<E> }> {
  const ctx = cliContext(cmd);
  const result = await withNats(ctx, "spear-cli", ({ nc }) => smsRequest(nc, endpoint, request));
  return { ctx, result };
}

/** `3s ago`, `2m ago`: how long since an ISO time, for tables. */
export function ago(iso: string | null | undefined, now = Date.now()): string | null {
  if (!iso) return null;
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

export const list = (xs: readonly string[] | undefined) => (xs && xs.length > 0 ? xs.join(",") : null);
