import { describe, expect, it } from "vitest";
import { paginate, paginateOrdered } from "../../../services/api/paging.js";

describe("paging", () => {
  const ids = ["c", "a", "e", "b", "d"];
  it("pages in key order with the last key as cursor, whatever comes and goes", () => {
    const first = paginate(ids, (x) => x, { limit: 2 });
    expect(first).toEqual({ items: ["a", "b"], nextCursor: "b", total: 5 });
    const second = paginate(["a", "c", "d", "e", "bb"], (x) => x, { limit: 2, cursor: first.nextCursor! });
    expect(second.items).toEqual(["bb", "c"]);
    expect(paginate(ids, (x) => x, { limit: 2, cursor: "d" })).toEqual({ items: ["e"], nextCursor: null, total: 5 });
  });
  it("pages a list with its own order by position", () => {
    expect(paginateOrdered(ids, { limit: 3 })).toEqual({ items: ["c", "a", "e"], nextCursor: "3", total: 5 });
    expect(paginateOrdered(ids, { limit: 3, cursor: "3" })).toEqual({ items: ["b", "d"], nextCursor: null, total: 5 });
  });
});
