import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import ms from "ms";
import { errorCatalog, SpearError } from "../../domain/errors.js";
import type { GatewayConfig } from "./config.js";
import { wasAnsweredEarly } from "./early-answer.js";

/** What Node refused before Fastify saw a request, as the error the caller gets. */
function refusal(e: NodeJS.ErrnoException, config: Pick<GatewayConfig, "headersTimeout" | "requestTimeout">): SpearError {
  if (e.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return new SpearError(
      "request_timeout",
      `the request did not arrive in time: its headers must arrive within --headers-timeout (${ms(config.headersTimeout)}), all of it within --request-timeout (${ms(config.requestTimeout)})`,
    );
  }
  if (e.code === "HPE_HEADER_OVERFLOW") return new SpearError("headers_too_large", "the request line and headers are larger than the gateway accepts (16 KiB)");
  return new SpearError("invalid_argument", `the request is not valid HTTP/1.1 (${e.code ?? e.message})`);
}

/**
 * Fastify's `clientErrorHandler`: Node's own refusals (malformed HTTP, headers too large, a
 * request or its headers too slow) answered in the documented `{ code, message }` shape, then
 * the connection closed. A connection whose request was answered already only closes.
 */
export const clientErrorHandler =
  (config: Pick<GatewayConfig, "headersTimeout" | "requestTimeout">) =>
  (e: NodeJS.ErrnoException, socket: Socket): void => {
    if (e.code === "ECONNRESET" || socket.destroyed) return;
    if (socket.writable && !wasAnsweredEarly(socket)) {
      const err = refusal(e, config);
      const status = errorCatalog[err.code].http;
      const body = JSON.stringify(err.toJSON());
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
