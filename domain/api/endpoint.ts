import type { z } from "zod";
import type { ErrorCode } from "../errors.js";
import { subjects } from "../subjects.js";

/**
 * One verb of the NATS API: request/reply on core NATS at `spear.api.<area>.<verb>`, the
 * request and result validated by these zod schemas on both ends. The HTTP gateway and
 * docs/api.md are generated from the same objects.
 */
export interface ApiEndpoint<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly area: string;
  readonly verb: string;
  readonly subject: string;
  /** Commands append events; queries read a projection. */
  readonly kind: "command" | "query";
  readonly description: string;
  readonly request: Req;
  readonly result: Res;
  /** The codes this verb returns besides the common ones. */
  readonly errors: readonly ErrorCode[];
  /** How long a client waits for the reply unless told otherwise. */
  readonly timeoutMs: number;
  /**
   * It reveals other callers' invocations (ids, which are the capability to read results,
   * inputs, outputs): the `client` NATS role may not call it, though it is a query.
   */
  readonly operatorsOnly: boolean;
}

/** Every verb can answer with these. */
export const commonErrors: readonly ErrorCode[] = ["invalid_argument", "timeout", "internal"];

export const DEFAULT_API_TIMEOUT_MS = 10_000;

export function endpoint<Req extends z.ZodType, Res extends z.ZodType>(
  area: string,
  verb: string,
  def: {
    kind: "command" | "query";
    description: string;
    request: Req;
    result: Res;
    errors?: readonly ErrorCode[];
    timeoutMs?: number;
    operatorsOnly?: boolean;
  },
): ApiEndpoint<Req, Res> {
  return {
    area,
    verb,
    subject: subjects.api(area, verb),
    kind: def.kind,
    description: def.description,
    request: def.request,
    result: def.result,
    errors: def.errors ?? [],
    timeoutMs: def.timeoutMs ?? DEFAULT_API_TIMEOUT_MS,
    operatorsOnly: def.operatorsOnly ?? false,
  };
}

export type AnyEndpoint = ApiEndpoint<z.ZodType, z.ZodType>;
export type RequestOf<E extends AnyEndpoint> = z.input<E["request"]>;
export type ParsedRequestOf<E extends AnyEndpoint> = z.output<E["request"]>;
export type ResultOf<E extends AnyEndpoint> = z.output<E["result"]>;
