import { z } from "zod";

/*
 * A query string holds text: these are the API's own paging and read-after fields (domain/api/
 * envelope.ts) as they arrive in a URL. The SMS validates the verb's request again.
 */

const int = (min: number) => z.coerce.number().int().min(min);

/** `true` / `false` in a URL. */
export const QueryFlag = z.enum(["true", "false"]).transform((v) => v === "true");

export const ReadAfterQuery = z.object({
  minSeq: int(0).optional().describe("Wait (briefly) until the control plane has folded this stream sequence: the `seq` a command returned"),
});

export const PageQuery = ReadAfterQuery.extend({
  limit: int(1).max(1000).optional().describe("Items per page (1-1000, default 100)"),
  cursor: z.string().min(1).max(512).optional().describe("The `nextCursor` of the page before"),
});

/** `a,b,c` in a URL, checked item by item. */
export const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()).filter((s) => s.length > 0))
    .pipe(z.array(item).min(1));
