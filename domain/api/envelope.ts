import { z } from "zod";

/** The error half of every reply; `code` is a stable code from domain/errors.ts. */
export const ApiError = z.object({
  code: z.string().min(1),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Every reply: `{ ok: true, result }` or `{ ok: false, error }`. */
export const apiReply = <R extends z.ZodType>(result: R) =>
  z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), result }), z.object({ ok: z.literal(false), error: ApiError })]);

/**
 * Read-your-writes across replicas: a query waits (briefly) until the replica's read model
 * has folded this stream sequence, the `seq` a command returned.
 */
export const ReadAfter = z.object({ minSeq: z.number().int().nonnegative().optional() });

/** List calls page: at most `limit` items after `cursor` (the `nextCursor` of the page before). */
export const PageRequest = ReadAfter.extend({
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(512).optional(),
});

export const page = <I extends z.ZodType>(item: I) =>
  z.object({
    items: z.array(item),
    /** Pass it back as `cursor` for the next page; null on the last page. */
    nextCursor: z.string().nullable(),
    /** Items in the whole list (all pages) at the time of the call. */
    total: z.number().int().nonnegative(),
  });

/** Listings read newest first from a stream: at most `limit` items older than `cursor` (the `nextCursor` of the page before). */
export const ScanPageRequest = z.object({
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .regex(/^\d{1,16}$/, "the nextCursor of the page before")
    .optional(),
});

export const scanPage = <I extends z.ZodType>(item: I) =>
  z.object({
    items: z.array(item),
    /** Pass it back as `cursor` for older items; null when no older one can match. */
    nextCursor: z.string().nullable(),
    /** Stream messages read for this page (a page stops after 100,000 even when it is not full). */
    scanned: z.number().int().nonnegative(),
  });

/** The stream sequence of the aggregate after a command: pass it as `minSeq` to read it back anywhere. */
export const Seq = z.number().int().nonnegative();
