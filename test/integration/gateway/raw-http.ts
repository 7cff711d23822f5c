import { request as httpRequest } from "node:http";
import { connect } from "node:net";

/** One write of a raw exchange, sent `afterMs` after the write before it. */
export interface RawWrite {
  readonly data: string | Buffer;
  readonly afterMs?: number;
}

export interface RawExchange {
  /** The first response on the connection (undefined when none came). */
  readonly status?: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly json: any;
  /** Bytes of the writes that the socket took before it failed or closed. */
  readonly sent: number;
  /** The socket error the client met (EPIPE, ECONNRESET), if any. */
  readonly error?: string;
  /** Whether the server closed the connection (before `timeoutMs`, and before an answer to every write came). */
  readonly closed: boolean;
  readonly elapsedMs: number;
}

/** Splits a body into the writes of a client that sends it in chunks. */
export const chunked = (body: Buffer, size: number, afterMs = 0): RawWrite[] =>
  Array.from({ length: Math.ceil(body.length / size) }, (_, i) => ({ data: body.subarray(i * size, (i + 1) * size), afterMs }));

/**
 * Talks HTTP/1.1 over a plain socket, as a hostile or clumsy client does: each write waits for
 * the one before to be taken by the socket, then `afterMs`. Resolves with the first response
 * once every write was taken and that response is complete, or when the server closes the
 * connection, or after `timeoutMs`.
 */
export function rawExchange(base: string, writes: readonly RawWrite[], timeoutMs = 10_000): Promise<RawExchange> {
  const port = Number(new URL(base).port);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    let sent = 0;
    let written = false;
    let error: string | undefined;
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const { complete: _complete, ...response } = parseResponse(Buffer.concat(received));
      resolve({ ...response, sent, closed, elapsedMs: Date.now() - started, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const answered = () => written && parseResponse(Buffer.concat(received)).complete;
    socket.on("data", (d: Buffer) => {
      received.push(d);
      if (answered()) finish(false);
    });
    socket.on("error", (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on("close", () => finish(true));
    const writeFrom = (i: number) => {
      const w = writes[i];
      if (socket.destroyed) return;
      if (!w) {
        written = true;
        if (answered()) finish(false);
        return;
      }
      setTimeout(() => {
        if (socket.destroyed) return;
        socket.write(w.data, (e) => {
          if (e) return;
          sent += typeof w.data === "string" ? Buffer.byteLength(w.data) : w.data.length;
          writeFrom(i + 1);
        });
      }, w.afterMs ?? 0);
    };
    writeFrom(0);
  });
}

function parseResponse(bytes: Buffer): Pick<RawExchange, "status" | "headers" | "body" | "json"> & { complete: boolean } {
  const text = bytes.toString("utf8");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return { headers: {}, body: text, json: undefined, complete: false };
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  const length = Number(headers["content-length"] ?? Number.NaN);
  const rest = bytes.subarray(Buffer.byteLength(text.slice(0, end + 4)));
  const body = (Number.isNaN(length) ? rest : rest.subarray(0, length)).toString("utf8");
  return { status: Number(statusLine?.split(" ")[1]), headers, body, json: jsonOrUndefined(body), complete: !Number.isNaN(length) && rest.length >= length };
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface NodeHttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly json: any;
  readonly text: string;
}

/**
 * One request with node:http, which (unlike fetch) sends whatever `Host` and `Origin` it is
 * given: what a DNS-rebinding page or a cross-origin form sends.
 */
export function nodeHttp(base: string, method: string, path: string, o: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<NodeHttpAnswer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: url.port, method, path: `${url.pathname}${url.search}`, headers: o.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: jsonOrUndefined(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(o.body);
  });
}
