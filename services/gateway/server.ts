import Fastify, { LogController, type FastifyBaseLogger } from "fastify";
import { validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import getPort from "get-port";
import { SpearError } from "../../domain/errors.js";
import type { StreamSettings } from "../../streams/catalog.js";
import { ensureStreams } from "../../streams/ensure.js";
import { SpearClient } from "../sdk/index.js";
import { requireTokens } from "./auth.js";
import { DEFAULT_GATEWAY_PORT } from "./config.js";
import { errorHandler, notFoundHandler } from "./errors.js";
import { registerOpenApi } from "./openapi.js";
import type { GatewayApp, GatewayDeps } from "./route.js";
import { apiRoutes, probeRoutes } from "./routes/index.js";

/**
 * The HTTP gateway as a Fastify instance, not yet listening (tests inject requests into it).
 * Requests are validated by the routes' zod schemas; answers are written as they are, since
 * what the control plane answered was validated by `smsRequest` against the same schemas
 * (and zod's encode, the type provider's serializer, refuses the schemas' one-way transforms).
 */
export async function buildGateway(deps: GatewayDeps): Promise<GatewayApp> {
  const { config, log } = deps;
  // One line per request (the onResponse hook below) rather than Fastify's two.
  const logController = new LogController({ disableRequestLogging: true });
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController, bodyLimit: config.bodyLimit }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON only (and multipart on the deploy route): a text body is refused with 415, not passed on as a string.
  app.removeContentTypeParser("text/plain");
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook("onResponse", async (request, reply) => {
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, "http");
  });

  const ctx = { ...deps, client: await SpearClient.fromConnection(deps.nats.nc) };
  await registerOpenApi(app, { secured: config.tokens.length > 0 });
  for (const r of probeRoutes) r.register(app, ctx);
  await app.register(async (v1) => {
    await requireTokens(v1, config.tokens);
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
  await ensureStreams(deps.nats.jsm, deps.streams);
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
  if (config.tokens.length === 0) log.warn({ url }, "the gateway runs without tokens: anyone who reaches it may call /v1 (start it with --tokens or SPEAR_GATEWAY_TOKENS)");
  log.info({ url, docs: `${url}/docs`, openapi: `${url}/openapi.json`, tokens: config.tokens.length }, "gateway listening");
  return { url, port: bound, app, close: () => app.close() };
}
