import type { FinishedResult } from "./model.js";

/*
 * What the history and dead-letter routes answer (domain/api/invocations.ts and dlq.ts), as the
 * console reads it. Kept by hand: the browser bundle loads nothing from the server's code.
 */

export interface ListPage<T> {
  items: T[];
  /** Pass back as `cursor` for older items; null when there are none. */
  nextCursor: string | null;
  /** Stream messages read for this page. */
  scanned: number;
}

export type InvocationPage = ListPage<FinishedResult>;

export interface InvocationFilter {
  function?: string | undefined;
  status?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** One stored message about an invocation, as `spear replay --json` prints it. */
export interface StoryStep {
  stream: string;
  seq: number;
  subject: string;
  time: string;
  type: string | null;
  aggregate: { type: string; id: string } | null;
  headers: Record<string, string>;
  data: unknown;
  /** Set when the message did not decode as a Spear event; `data` is then the raw body. */
  error?: { code: string; message: string };
}

export interface Story {
  invocationId: string;
  result: FinishedResult | null;
  events: StoryStep[];
  /** More events exist than the ones answered. */
  truncated: boolean;
}

export interface DlqSummary {
  seq: number;
  time: string;
  subject: string;
  /** What gave up: invocation, projection, assign, events. Only an invocation's can be redriven. */
  source: string;
  key: string;
  code: string;
  reason: string;
  from: { stream: string; seq: number; subject: string } | null;
  invocationId?: string;
  function?: string;
  size: number;
  redrive: { redriveId: string; redrivenAt: string; dlqSeq: number } | null;
}

export interface DlqEntry extends DlqSummary {
  headers: Record<string, string>;
  data: unknown;
}

export interface RedriveItem {
  seq: number;
  invocationId: string;
  function: string;
  /** The new invocation that runs the request again. */
  redriveId: string;
  /** False when it had been sent back before (the same redriveId). */
  redriven: boolean;
}
