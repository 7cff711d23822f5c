import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { Nats } from "../../../streams/connection.js";
import { lastMatchingSeq, readStream } from "../../../streams/reader.js";
import type { ResultFeed } from "../result-feed.js";
import { followedStreams, summarize, summarizeResult, type LiveMessage } from "./messages.js";

export type LiveListener = (m: LiveMessage) => void;

/**
 * The gateway's one view of what happens in the cluster, shared by every browser: one ordered
 * consumer per followed stream, and the results from the gateway's one result subscription
 * (the watches' `ResultFeed`), taken when the first listener comes and dropped when the last
 * goes, however many consoles are open. A browser that connects gets what happens from then
 * on; it loads the state before that through the ordinary routes.
 */
export class ClusterFeed {
  private readonly listeners = new Set<LiveListener>();
  private running?: { readonly reading: AbortController; readonly stopResults: () => void };

  constructor(
    private readonly nats: Nats,
    private readonly results: ResultFeed,
    private readonly log: Logger,
  ) {}

  /** Adds a listener; the returned function removes it (once). */
  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    if (!this.running) this.start();
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.running?.reading.abort();
      this.running?.stopResults();
      this.running = undefined;
    };
  }

  private start(): void {
    const reading = new AbortController();
    const stopResults = this.results.listen("all", (r) => this.pass(summarizeResult(r)));
    this.running = { reading, stopResults };
    for (const stream of followedStreams) void this.follow(stream, reading.signal);
  }

  private pass(m: LiveMessage): void {
    for (const l of this.listeners) l(m);
  }

  /**
   * Reads one stream from its newest message on until stopped. A failure (NATS away) is retried
   * from the message after the last one passed on, so listeners miss nothing meanwhile.
   */
  private async follow(stream: string, signal: AbortSignal): Promise<void> {
    let next: number | undefined;
    for (let wait = 250; !signal.aborted; wait = Math.min(wait * 2, 5_000)) {
      try {
        next ??= (await lastMatchingSeq(this.nats.jsm, stream)).seq + 1;
        for await (const m of readStream(this.nats.js, stream, { fromSeq: next, follow: true, signal })) {
          wait = 250;
          next = m.seq + 1;
          const summary = summarize(stream, m);
          if (summary) this.pass(summary);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.log.warn({ stream, reason: e instanceof Error ? e.message : String(e) }, "the live feed lost a stream; following it again");
      }
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }
}
