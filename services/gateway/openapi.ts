import swagger, { type SwaggerTransform } from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import type { z } from "zod";
import { SECURITY_SCHEME } from "./auth.js";
import type { GatewayApp } from "./route.js";
import { scopeMeaning } from "./scopes.js";

type Transform = SwaggerTransform;
type ContentBody = { content: Record<string, { schema: z.ZodType }> };

const isContentBody = (b: unknown): b is ContentBody => typeof b === "object" && b !== null && "content" in b && !("_zod" in b);

/**
 * The zod type provider turns route schemas into JSON Schema. A body given per content type
 * (the deploy route: JSON or multipart) is converted one content type at a time.
 */
const zodToJson: Transform = (doc) => {
  const body = doc.schema?.body;
  if (!isContentBody(body)) return jsonSchemaTransform(doc);
  const rest = jsonSchemaTransform({ ...doc, schema: { ...doc.schema, body: undefined } });
  const content = Object.fromEntries(
    Object.entries(body.content).map(([type, { schema }]) => [type, { schema: (jsonSchemaTransform({ ...doc, schema: { body: schema } }).schema as { body: unknown }).body }]),
  );
  return { ...rest, schema: { ...rest.schema, body: { content } } };
};

/**
 * Every /v1 operation says which scope it needs; with tokens configured it names the bearer
 * scheme with that scope as its security requirement (Swagger UI then offers "Authorize").
 */
const transformFor =
  (secured: boolean): Transform =>
  (doc) => {
    const out = zodToJson(doc);
    const scope = doc.route.config?.scope;
    if (scope === undefined) return out;
    const needs = `Needs a token with the \`${scope}\` scope${scope === "admin" ? "" : " (or `admin`)"}: ${scopeMeaning[scope]}.`;
    const description = [out.schema.description, needs].filter(Boolean).join("\n\n");
    return { ...out, schema: { ...out.schema, description, ...(secured ? { security: [{ [SECURITY_SCHEME]: [scope] }] } : {}) } };
  };

/**
 * OpenAPI 3.1 from the routes' zod schemas (the same the NATS API validates with), served at
 * /openapi.json, and Swagger UI at /docs from the package's own files (nothing is fetched
 * from elsewhere; the spec validator badge, which would call out, is off).
 */
export async function registerOpenApi(app: GatewayApp, opts: { secured: boolean }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Spear HTTP gateway",
        version: "v1",
        description: [
          "Invoke functions and manage a Spear cluster over HTTP. Every route under /v1 is a thin layer over the NATS API (docs/api.md).",
          "Errors are `{ code, message, details }` with the HTTP status of the code in the error catalog.",
          opts.secured
            ? "Routes under /v1 need `Authorization: Bearer <token>` with the scope each names (`invoke`, `read`, `deploy`; `admin` holds them all)."
            : "This gateway runs without tokens: anyone who reaches it may call it.",
        ].join("\n\n"),
      },
      tags: [
        { name: "invocations", description: "Invoke functions, read results" },
        { name: "functions", description: "Deploy and manage functions" },
        { name: "nodes", description: "Spearlet nodes" },
        { name: "pools", description: "Node pools" },
        { name: "sessions", description: "Session affinity" },
        { name: "cluster", description: "The cluster as a whole: projections, live events" },
        { name: "projections", description: "Read models and their workers" },
        { name: "health", description: "Probes" },
      ],
      ...(opts.secured ? { components: { securitySchemes: { [SECURITY_SCHEME]: { type: "http" as const, scheme: "bearer" } } } } : {}),
    },
    transform: transformFor(opts.secured),
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    validatorUrl: false,
    uiConfig: { deepLinking: true, displayOperationId: false, tryItOutEnabled: true },
    theme: { title: "Spear HTTP gateway" },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/docs"));
}
