import type { FastifyReply } from "fastify";
import { SpearError } from "../../domain/errors.js";

/** A comment line this often keeps proxies and the client's own timeouts from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** A client this far behind (bytes its socket has not taken) is cut off rather than buffered for without end. */
export const MAX_BEHIND_BYTES = 1024 * 1024;

export interface EventStream {
  /** Writes one event: `event: <name>`, an optional `id:`, and the JSON as `data:`. */
  send(event: string, data: unknown, id?: string): void;
  /** Ends the stream (idempotent). */
  close(): void;
  /** Aborted when the stream ends: the client went away, the gateway closes, or `close()`. */
  readonly signal: AbortSignal;
}

/**
 * The gateway's server-sent event streams, every route's (the watches, the console's live feed):
 * at most `max` open at once (beyond, 503 `too_many_streams` before anything is written), each
 * with a heartbeat, each ended when its client disconnects or falls `MAX_BEHIND_BYTES` behind,
 * and all of them when the gateway closes (an open stream would otherwise keep the server from
 * closing).
 */
export class EventStreams {
  private readonly open = new Set<EventStream>();

  constructor(private readonly max: number) {}

  /** Takes the response over as an event stream, or throws `too_many_streams`. */
  start(reply: FastifyReply): EventStream {
    if (this.open.size >= this.max) {
      throw new SpearError("too_many_streams", `the gateway already serves ${this.max} event streams (--max-streams); retry shortly`, { maxStreams: this.max });
    }
    const res = reply.raw;
    // Headers set so far (CORS, rate limit) go out with the stream's own.
    const headers = { ...reply.getHeaders(), "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no", "x-content-type-options": "nosniff" };
    reply.hijack();
    res.writeHead(200, headers as Record<string, string>);
    res.write(": stream open\n\n");
    const ended = new AbortController();
    const write = (text: string) => {
      if (ended.signal.aborted) return;
      if (res.writableLength > MAX_BEHIND_BYTES) return stream.close();
      res.write(text);
    };
    const heartbeat = setInterval(() => write(": heartbeat\n\n"), HEARTBEAT_MS);
    const stream: EventStream = {
      signal: ended.signal,
      send: (event, data, id) => write(`event: ${event}\n${id ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`),
      close: () => {
        if (ended.signal.aborted) return;
        ended.abort();
        clearInterval(heartbeat);
        this.open.delete(stream);
        res.end();
      },
    };
    this.open.add(stream);
    // The response closes when the client goes away (or once it ended).
    res.once("close", stream.close);
    return stream;
  }

  closeAll(): void {
    for (const s of [...this.open]) s.close();
  }
}
