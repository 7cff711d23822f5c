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

/** The stream sequence of the aggregate after a command: pass it as `minSeq` to read it back anywhere. */
export const Seq = z.number().int().nonnegative();
