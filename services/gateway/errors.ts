import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { z } from "zod";
import { ApiError } from "../../domain/api/envelope.js";
import { errorCatalog, isErrorCode, SpearError } from "../../domain/errors.js";

/** Every error the gateway answers with: `{ code, message, details? }`, the same shape as the NATS API's. */
export const ErrorResponse = ApiError.describe("An error: a stable code from the catalog (docs/api.md), a message for people, and details");

/** The realm named in `WWW-Authenticate` on a 401. */
const REALM = "spear";

/** Fastify's own errors that mean the caller's request is at fault, by code. */
const requestErrors: Record<string, (e: FastifyError) => SpearError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (e) =>
    new SpearError("unsupported_media_type", `${e.message}; send JSON with 'content-type: application/json' (a deploy may send multipart/form-data)`),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: (e) => new SpearError("invalid_argument", e.message),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new SpearError("invalid_argument", "the body is empty although the content-type says JSON"),
  FST_ERR_CTP_INVALID_JSON_BODY: (e) => new SpearError("invalid_argument", `the body is not valid JSON: ${e.message}`),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new SpearError("payload_too_large", "the body is larger than the gateway's --body-limit"),
  FST_REQ_FILE_TOO_LARGE: () => new SpearError("payload_too_large", "the uploaded artifact is larger than the gateway's --upload-limit"),
  FST_PARTS_LIMIT: () => new SpearError("payload_too_large", "the multipart body has too many parts (spec, activate and one artifact file)"),
  FST_FILES_LIMIT: () => new SpearError("payload_too_large", "the multipart body has more than one file (send one artifact)"),
  FST_FIELDS_LIMIT: () => new SpearError("payload_too_large", "the multipart body has too many fields (spec and activate)"),
  FST_INVALID_MULTIPART_CONTENT_TYPE: (e) => new SpearError("unsupported_media_type", e.message),
  FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER: () =>
    new SpearError("unauthorized", "this gateway needs 'Authorization: Bearer <token>'", { reason: "missing_token" }),
  FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER: () =>
    new SpearError("unauthorized", "the bearer token is missing or not one this gateway accepts", { reason: "invalid_token" }),
};

/** Where a validation error was found, as the caller knows it. */
const partNames: Record<string, string> = { body: "body", params: "path", querystring: "query", headers: "header" };

export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** `invalid_argument` naming each field at fault, with where it was (body, path, query, header). */
export function invalidArgument(where: string, issues: readonly Issue[]): SpearError {
  const named = issues.map((i) => `${where}${i.path ? `.${i.path}` : ""}: ${i.message}`).join("; ");
  return new SpearError("invalid_argument", named, { issues: issues.map((i) => ({ in: where, ...i })) });
}

export const zodIssues = (e: z.ZodError): Issue[] => e.issues.map((i) => ({ path: i.path.join("."), message: i.message }));

function validationError(e: FastifyError & { validation: readonly { instancePath: string; message?: string }[] }): SpearError {
  const where = partNames[e.validationContext ?? "body"] ?? e.validationContext ?? "body";
  return invalidArgument(
    where,
    e.validation.map((v) => ({ path: v.instancePath.replace(/^\//, "").replaceAll("/", "."), message: v.message ?? "invalid" })),
  );
}

/** Turns anything a route or Fastify threw into the SpearError the caller sees. */
export function toSpearError(e: unknown): SpearError {
  if (e instanceof SpearError) return e;
  const fe = e as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) return validationError(fe);
  if (fe.validation) return validationError(fe as FastifyError & { validation: { instancePath: string; message?: string }[] });
  const known = fe.code ? requestErrors[fe.code] : undefined;
  if (known) return known(fe);
  if (fe.statusCode === 413) return new SpearError("payload_too_large", fe.message);
  if (fe.statusCode === 415) return new SpearError("unsupported_media_type", fe.message);
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) return new SpearError("invalid_argument", fe.message);
  return new SpearError("internal", e instanceof Error ? e.message : String(e), undefined, { cause: e });
}

const httpStatusOf = (code: string): number => (isErrorCode(code) ? errorCatalog[code].http : 500);

/** Answers with `{ code, message, details? }`; a code outside the catalog (a function's own) answers 500. */
export function sendError(reply: FastifyReply, err: SpearError | ApiError): FastifyReply {
  const body: ApiError = err instanceof SpearError ? err.toJSON() : err;
  // RFC 6750: a request that sent no credentials gets the challenge alone, a bad token its error too.
  if (body.code === "unauthorized") reply.header("www-authenticate", `Bearer realm="${REALM}"${body.details?.reason === "invalid_token" ? ', error="invalid_token"' : ""}`);
  // The gateway is full of waits for a moment, not for good.
  if (body.code === "too_many_waits" || body.code === "too_many_streams") reply.header("retry-after", "1");
  return reply.code(httpStatusOf(body.code)).type("application/json; charset=utf-8").send(body);
}

export function errorHandler(e: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const err = toSpearError(e);
  if (err.code === "internal") request.log.error({ err: e, method: request.method, url: request.url }, "request failed");
  return sendError(reply, err);
}

/** Fastify's `frameworkErrors`: what its router refuses before any hook (a URL that does not decode), in the same shape. */
export function frameworkErrorHandler(e: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, toSpearError(e));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, new SpearError("route_not_found", `no route ${request.method} ${request.url.split("?")[0]}; the routes are listed at /docs and /openapi.json`));
}
