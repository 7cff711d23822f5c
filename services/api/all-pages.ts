import type { z } from "zod";
import type { ApiEndpoint, RequestOf, ResultOf } from "../../domain/api/endpoint.js";
import type { Nats } from "../../streams/connection.js";
import { smsRequest } from "./client.js";

type Paged = ApiEndpoint<z.ZodType, z.ZodType<{ items: unknown[]; nextCursor: string | null }>>;

/** Every item of a paged list, a page at a time (bounded by the list's own size). */
export async function allPages<E extends Paged>(nats: Nats, endpoint: E, request: RequestOf<E>): Promise<ResultOf<E>["items"]> {
  const items: ResultOf<E>["items"] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await smsRequest(nats.nc, endpoint, { ...(request as object), limit: 500, ...(cursor ? { cursor } : {}) } as RequestOf<E>);
    items.push(...page.items);
    if (!page.nextCursor || page.items.length === 0) return items;
    cursor = page.nextCursor;
  }
}
