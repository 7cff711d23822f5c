import type { FastifyReply } from "fastify";
import { SpearError } from "../../../domain/errors.js";
import type { GatewayApp } from "../route.js";
import { loadBrowserModules } from "./assets.js";
import { CONSOLE_PAGE } from "./page.js";
import { CONSOLE_CSS } from "./style.js";

/**
 * What the console's responses may do in a browser: run and load only the gateway's own files,
 * call only the gateway, never be framed (clickjacking a redrive button) and submit no form
 * anywhere. The browser code builds every element with textContent, never HTML from data, and
 * the policy stops an injected script even if that were ever broken.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function send(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply
    .header("content-type", `${type}; charset=utf-8`)
    .header("content-security-policy", CSP)
    .header("x-content-type-options", "nosniff")
    .header("x-frame-options", "DENY")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", "no-cache")
    .send(body);
}

/**
 * The live web console at /console: a static page and its modules, public like /docs since
 * they hold no data. Everything it shows comes from /v1 routes, each behind its scope, with
 * the token the operator enters: kept in the tab's sessionStorage and sent as a bearer header,
 * never as a cookie, so another site cannot make the browser act with it (no ambient
 * credential to ride on), and the live stream is read with fetch for the same reason.
 */
export function registerConsole(app: GatewayApp): void {
  const modules = loadBrowserModules();
  const page = async (_request: unknown, reply: FastifyReply) => send(reply, "text/html", CONSOLE_PAGE);
  app.get("/console", { schema: { hide: true } }, page);
  app.get("/console/", { schema: { hide: true } }, page);
  app.get("/console/console.css", { schema: { hide: true } }, async (_request, reply) => send(reply, "text/css", CONSOLE_CSS));
  app.get<{ Params: { "*": string } }>("/console/assets/*", { schema: { hide: true } }, async (request, reply) => {
    const path = request.params["*"];
    const code = modules.get(path);
    if (code === undefined) throw new SpearError("route_not_found", `no console module ${path.slice(0, 128)}`);
    return send(reply, "text/javascript", code);
  });
}
