import Fastify, { LogController, type FastifyBaseLogger } from "fastify";
import { validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import getPort from "get-port";
import { SpearError } from "../../domain/errors.js";
import type { StreamSettings } from "../../streams/catalog.js";
import { throughOutages } from "../../streams/through-outages.js";
import { SpearClient } from "../sdk/index.js";
import { requireTokens } from "./auth.js";
import { clientErrorHandler } from "./client-errors.js";
import { registerConsole } from "./console/routes.js";
import { refuseWhileClosing } from "./closing.js";
import { DEFAULT_GATEWAY_PORT } from "./config.js";
import { readRestOfBody } from "./early-answer.js";
import { errorHandler, frameworkErrorHandler, notFoundHandler } from "./errors.js";
import { EventStreams } from "./event-streams.js";
import { ClusterFeed } from "./live/feed.js";
import { pauseIdleTimeoutWhileWorking } from "./idle-timeout.js";
import { parseJsonBodies } from "./json-body.js";
import { registerOpenApi } from "./openapi.js";
import { allowedHostNames, guardHost, guardOrigin } from "./origin.js";
import { limitRate } from "./rate-limit.js";
import { traceRequests } from "./request-span.js";
import { ResultFeed } from "./result-feed.js";
import type { GatewayApp, GatewayDeps } from "./route.js";
import { apiRoutes, probeRoutes } from "./routes/index.js";
import { serverOptions } from "./server-options.js";
import { SyncWaits } from "./sync-waits.js";
import { bounded, metric, readFrom } from "../metrics/registry.js";

/**
 * The HTTP gateway as a Fastify instance, not yet listening (tests inject requests into it).
 * Requests are validated by the routes' zod schemas; answers are written as they are, since
 * what the control plane answered was validated by `smsRequest` against the same schemas
 * (and zod's encode, the type provider's serializer, refuses the schemas' one-way transforms).
 *
 * Every request meets, in this order: the closing check, `Host`, `Origin` (and CORS), the
 * token and its scope (/v1 and unknown routes), the rate limit (/v1), then its body. Every
 * refusal, Fastify's and Node's own included, is `{ code, message, details }`.
 */
export async function buildGateway(deps: GatewayDeps): Promise<GatewayApp> {
  const { config, log } = deps;
  // One line per request (the onResponse hook below) rather than Fastify's two.
  const logController = new LogController({ disableRequestLogging: true });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController,
    bodyLimit: config.bodyLimit,
    ...serverOptions(config),
    return503OnClosing: false,
    clientErrorHandler: clientErrorHandler(config),
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON only (and multipart on the deploy route): a text body is refused with 415, not passed on as a string.
  app.removeContentTypeParser("text/plain");
  parseJsonBodies(app);
  // A refusal may come before the body was read: the client still sending it gets the answer.
  const largestBody = Math.max(config.bodyLimit, config.uploadLimit);
  app.setErrorHandler((e, request, reply) => {
    readRestOfBody(request, reply, largestBody);
    return errorHandler(e, request, reply);
  });
  app.setNotFoundHandler(notFoundHandler);
  // First of the request hooks: every request is traced, refusals included.
  traceRequests(app, deps.tracer);
  app.addHook("onResponse", async (request, reply) => {
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, "http");
    countRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
  });
  refuseWhileClosing(app);
  pauseIdleTimeoutWhileWorking(app, config.connectionTimeout);
  guardHost(app, allowedHostNames(config));
  await guardOrigin(app, config.corsOrigins);
  await requireTokens(app, config.credentials);

  // One cap for every event stream of this gateway (watches and the console's live feed).
  const streams = new EventStreams(config.maxStreams);
  // An open event stream would keep the server from closing.
  app.addHook("preClose", async () => streams.closeAll());
  // One subscription to results, shared by the watches and the live feed.
  const results = new ResultFeed(deps.nats.nc, log);
  const ctx = {
    ...deps,
    client: await throughOutages("reach JetStream", () => SpearClient.fromConnection(deps.nats.nc), { log: deps.log }),
    waits: new SyncWaits(config.maxSyncWaits),
    results,
    feed: new ClusterFeed(deps.nats, results, log),
    streams,
  };
  const unwatched = readFrom("spear_gateway_sync_waits", () => ctx.waits.held);
  app.addHook("onClose", async () => unwatched());
  await registerOpenApi(app, { secured: config.credentials.length > 0 });
  registerConsole(app);
  for (const r of probeRoutes) r.register(app, ctx);
  await app.register(async (v1) => {
    await limitRate(v1, config);
    for (const r of apiRoutes) r.register(v1, ctx);
  });
  await app.ready();
  return app;
}

export interface RunningGateway {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly app: GatewayApp;
  close(): Promise<void>;
}

/**
 * Makes sure the streams exist (an async invoke publishes to one), builds the gateway and
 * listens: on --port, else 8080 when free, else any free port.
 */
export async function startGateway(deps: GatewayDeps & { readonly streams: StreamSettings }): Promise<RunningGateway> {
  const { config, log } = deps;
  const app = await buildGateway(deps);
  const port = config.port ?? (await getPort({ port: DEFAULT_GATEWAY_PORT, host: config.host }));
  try {
    await app.listen({ port, host: config.host });
  } catch (e) {
    await app.close();
    throw new SpearError("server_start_failed", `the gateway cannot listen on ${config.host}:${port}: ${e instanceof Error ? e.message : String(e)}`, {
      host: config.host,
      port,
    });
  }
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${bound}`;
  const tokens = config.credentials.map((c) => ({ name: c.name, scopes: [...c.scopes], ...(c.rateLimit !== undefined ? { rateLimit: c.rateLimit } : {}) }));
  if (tokens.length === 0) {
    log.warn({ url }, "the gateway runs without tokens: anyone who reaches it may call /v1 (start it with --tokens, --tokens-file or SPEAR_GATEWAY_TOKENS)");
  }
  log.info({ url, docs: `${url}/docs`, openapi: `${url}/openapi.json`, tokens, corsOrigins: config.corsOrigins }, "gateway listening");
  return { url, port: bound, app, close: () => app.close() };
}

/** Methods as a label: the ones HTTP defines; anything else a client sends is `other`. */
const methods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** One answered request, labelled by its route's pattern (never its URL: ids are in paths), `unmatched` when no route took it. */
function countRequest(method: string, route: string | undefined, statusCode: number, ms: number): void {
  // A parameter's pattern is left out: `/v1/functions/:name(^[^:/]+)::invoke` reads `/v1/functions/:name::invoke`.
  const labels = { method: bounded(method, (m) => methods.has(m), "other"), route: route?.replace(/\([^)]*\)/g, "") ?? "unmatched" };
  metric("spear_http_requests_total").inc({ ...labels, status_code: String(statusCode) });
  metric("spear_http_request_duration_seconds").observe(labels, ms / 1000);
}
