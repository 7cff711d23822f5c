import type { FastifyReply, FastifyRequest } from "fastify";
import { SpearError } from "../../../domain/errors.js";
import type { ClusterFeed } from "./feed.js";
import type { LiveMessage } from "./messages.js";

/** A comment line this often keeps proxies and the connection timeout from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** A browser this far behind (bytes its socket has not taken) is cut off; it reconnects and reloads. */
const MAX_BEHIND_BYTES = 1024 * 1024;

const frame = (m: LiveMessage) => `event: ${m.kind}\ndata: ${JSON.stringify(m)}\n\n`;

/**
 * The server-sent event streams the gateway holds open, at most `max`: each is a listener of
 * the shared feed, written to its browser as `text/event-stream`, with a heartbeat, closed
 * when the browser goes, when it falls too far behind, or when the gateway closes.
 */
export class LiveStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly feed: ClusterFeed,
    private readonly max: number,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  get count(): number {
    return this.open.size;
  }

  /** Answers the request with a stream, or throws `too_many_streams` before anything is sent. */
  serve(request: FastifyRequest, reply: FastifyReply): void {
    if (this.open.size >= this.max) {
      throw new SpearError("too_many_streams", `the gateway already serves ${this.max} server-sent event streams (--max-streams); retry shortly`, { maxStreams: this.max });
    }
    const res = reply.raw;
    reply.hijack();
    // Headers other hooks set (CORS, rate limit) are on the reply, which hijacking bypasses.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-accel-buffering": "no",
    });
    res.write(": live\n\n");
    const send = (text: string) => {
      if (res.writableLength > MAX_BEHIND_BYTES) return close();
      res.write(text);
    };
    const unlisten = this.feed.listen((m) => send(frame(m)));
    const heartbeat = setInterval(() => send(": ping\n\n"), this.heartbeatMs);
    const close = () => {
      if (!this.open.delete(close)) return;
      clearInterval(heartbeat);
      unlisten();
      res.end();
    };
    this.open.add(close);
    request.raw.socket.once("close", close);
    res.once("close", close);
  }

  /** Ends every stream (the gateway is closing: open streams would hold its server open). */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}
