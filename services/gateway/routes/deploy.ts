import type { MultipartFile } from "@fastify/multipart";
import multipart from "@fastify/multipart";
import type { FastifyError, FastifyRequest } from "fastify";
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import { ARTIFACT_BUCKET } from "../../../domain/api/artifacts.js";
import { api } from "../../../domain/api/registry.js";
import { SpearError } from "../../../domain/errors.js";
import { DeployFunction, DeleteFunction } from "../../../domain/function/commands.js";
import { Sha256 } from "../../../domain/ids.js";
import { jsonDepth } from "../../../domain/json-limits.js";
import { uploadArtifact } from "../../api/artifact-upload.js";
import { smsRequest } from "../../api/client.js";
import { invalidArgument, zodIssues } from "../errors.js";
import { MAX_BODY_DEPTH } from "../json-body.js";
import { QueryFlag } from "../query.js";
import { correlationOf, errorResponses, fastifyPath, ok, type ApiRoute } from "../route.js";

/** An artifact the multipart parser streamed to a temporary file, hashed on the way. */
interface UploadedFile {
  readonly path: string;
  readonly filename: string;
  readonly mimetype: string;
  readonly size: number;
  readonly sha256: string;
}

const isUploaded = (v: unknown): v is UploadedFile => typeof v === "object" && v !== null && typeof (v as UploadedFile).path === "string";

const JsonText = z.string().transform((text, ctx) => {
  if (jsonDepth(text) > MAX_BODY_DEPTH) {
    ctx.addIssue({ code: "custom", message: `is nested deeper than ${MAX_BODY_DEPTH} levels` });
    return z.NEVER;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "is not JSON" });
    return z.NEVER;
  }
});

const DeployJson = DeployFunction.omit({ name: true });

/** The multipart form: the spec as JSON text, whether to activate, and the artifact file. */
const DeployForm = z.strictObject({
  spec: JsonText.pipe(z.record(z.string(), z.unknown())).describe(
    "The FunctionSpec as JSON text (the same object as `spec` in the JSON form); its `artifact` is filled in from the uploaded file",
  ),
  activate: QueryFlag.optional().describe("Make the new version the active one (default true)"),
  artifact: z
    .custom<UploadedFile>(isUploaded, "must be a file")
    .optional()
    .meta({ type: "string", format: "binary", description: "The artifact (a WebAssembly module, or the file a process runs)" }),
});

const DeployResult = api.functions.deploy.result.extend({
  artifact: z
    .object({ sha256: Sha256, size: z.number().int().nonnegative(), uploaded: z.boolean().describe("False when the object store held these bytes already") })
    .optional()
    .describe("The uploaded artifact, when the request carried one"),
});

const path = "/v1/functions/{name}:deploy";
const summary = "Deploy a new version of a function, with its artifact uploaded in the same request";

/**
 * Deploy with upload. JSON (`{ spec, activate }`) deploys a spec whose artifact is registered
 * already, or a process or container; multipart/form-data carries the spec as a field and the
 * artifact as a file, which takes the same way as `spear functions deploy`: hashed, uploaded
 * to the object store only when missing, registered, then named in the spec. The whole
 * request is validated before any byte goes to the object store.
 */
export const deployRoute: ApiRoute = {
  method: "POST",
  path,
  scope: "deploy",
  summary,
  calls: [api.artifacts.prepare.subject, `the object store (${ARTIFACT_BUCKET})`, api.artifacts.register.subject, api.functions.deploy.subject],
  success: [200],
  register: (app, { nats, config }) => {
    app.register(async (scope) => {
      const dir = mkdtempSync(join(tmpdir(), "spear-gateway-upload-"));
      const files = new WeakMap<FastifyRequest, string[]>();
      const forget = async (request: FastifyRequest) => {
        for (const f of files.get(request) ?? []) await rm(f, { force: true });
      };
      scope.addHook("onResponse", forget);
      scope.addHook("onRequestAbort", forget);
      scope.addHook("onClose", () => rm(dir, { recursive: true, force: true }));
      // The multipart parser refuses a malformed body (no boundary, cut short, a bad part header)
      // with a bare Error while the fields are read, before the handler: the caller's fault.
      const handled = new WeakSet<FastifyRequest>();
      scope.setErrorHandler((e: FastifyError, request) => {
        if (request.isMultipart() && !handled.has(request) && !(e instanceof SpearError) && e.statusCode === undefined) {
          throw new SpearError("invalid_argument", `the multipart body is malformed: ${e.message}`);
        }
        throw e;
      });

      await scope.register(multipart, {
        attachFieldsToBody: "keyValues",
        limits: { fileSize: config.uploadLimit, files: 1, fields: 2, parts: 3, fieldSize: config.bodyLimit },
        async onFile(this: FastifyRequest, part: MultipartFile) {
          const file = join(dir, randomUUID());
          files.set(this, [...(files.get(this) ?? []), file]);
          const hash = createHash("sha256");
          let size = 0;
          const measure = new Transform({
            transform(chunk: Buffer, _enc, done) {
              hash.update(chunk);
              size += chunk.length;
              done(null, chunk);
            },
          });
          await pipeline(part.file, measure, createWriteStream(file));
          const uploaded: UploadedFile = { path: file, filename: part.filename, mimetype: part.mimetype, size, sha256: hash.digest("hex") };
          (part as { value?: unknown }).value = uploaded;
        },
      });

      scope.route({
        method: "POST",
        url: fastifyPath(path),
        config: { scope: deployRoute.scope },
        schema: {
          operationId: "functions_deploy_upload",
          tags: ["functions"],
          summary,
          description: [
            "`application/json`: `{ spec, activate }` as in `spear.api.functions.deploy`, for a spec whose artifact is registered already (or a process or container).",
            "",
            "`multipart/form-data`: a `spec` field (the FunctionSpec as JSON text), an optional `activate` field, and the artifact as the file `artifact`,",
            "e.g. `curl -F 'spec={\"runtime\":\"wasm\"}' -F artifact=@echo.wasm .../v1/functions/echo:deploy`. The file is hashed, uploaded to the",
            "object store only when missing and registered (`artifacts.prepare`, `artifacts.register`), then deployed with `functions.deploy`.",
          ].join("\n"),
          params: DeleteFunction,
          body: { content: { "application/json": { schema: DeployJson }, "multipart/form-data": { schema: DeployForm } } },
          response: { 200: ok("The deployed version (and the uploaded artifact)", DeployResult), ...errorResponses },
        },
        handler: async (request) => {
          handled.add(request);
          const { name } = request.params as z.output<typeof DeleteFunction>;
          const correlation = correlationOf(request);
          const opts = correlation ? { correlationId: correlation } : {};
          if (!request.isMultipart()) {
            const body = request.body as z.output<typeof DeployJson>;
            return smsRequest(nats.nc, api.functions.deploy, { name, ...body }, opts);
          }
          const form = request.body as z.output<typeof DeployForm>;
          const file = form.artifact;
          const req = {
            name,
            spec: file ? { ...form.spec, artifact: { sha256: file.sha256, size: file.size } } : form.spec,
            ...(form.activate !== undefined ? { activate: form.activate } : {}),
          };
          const checked = api.functions.deploy.request.safeParse(req);
          if (!checked.success) throw invalidArgument("body", zodIssues(checked.error));
          if (!file) return smsRequest(nats.nc, api.functions.deploy, checked.data, opts);
          const upload = await uploadArtifact(nats.nc, nats.js, file.path, {
            name: file.filename.slice(0, 256),
            ...(file.mimetype ? { contentType: file.mimetype.slice(0, 128) } : {}),
          });
          const deployed = await smsRequest(nats.nc, api.functions.deploy, checked.data, opts);
          return { ...deployed, artifact: { sha256: upload.artifact.sha256, size: upload.artifact.size, uploaded: upload.uploaded } };
        },
      });
    });
  },
};
