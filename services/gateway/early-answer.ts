import type { FastifyReply, FastifyRequest } from "fastify";
import type { Socket } from "node:net";

/** How much of a refused body is read and dropped at least (the largest body the gateway takes, when larger). */
const DROP_AT_LEAST = 64 * 1024 * 1024;

/** Connections whose request was answered before its body was read (while the rest is dropped). */
const answeredEarly = new WeakSet<Socket>();

/** Whether the request on this connection was answered already: a late timeout then only closes it. */
export const wasAnsweredEarly = (socket: Socket): boolean => answeredEarly.has(socket);

/**
 * An answer given before the body was read (a refusal from a hook, a body over its limit):
 * Fastify would close the connection with it, and a client still sending meets EPIPE instead
 * of the answer. Instead the rest of the body is read and dropped, up to 64 MiB or
 * `largestBody`, and the client reads the answer once it has sent its body; past that the
 * connection is closed. --request-timeout bounds how long this may take.
 */
export function readRestOfBody(request: FastifyRequest, reply: FastifyReply, largestBody: number): void {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return;
  reply.removeHeader("connection");
  const socket = raw.socket;
  answeredEarly.add(socket);
  const cap = Math.max(DROP_AT_LEAST, largestBody);
  let dropped = 0;
  const drop = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > cap) socket.destroy();
  };
  // A multipart parser may still be attached: it must not see the rest.
  raw.unpipe();
  raw.on("data", drop);
  raw.once("end", () => {
    raw.off("data", drop);
    answeredEarly.delete(socket);
  });
  raw.resume();
}
