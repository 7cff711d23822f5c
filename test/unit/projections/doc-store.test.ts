import { describe, expect, it } from "vitest";
import { DocStore } from "../../../projections/doc-store.js";

describe("DocStore", () => {
  it("keeps an event's writes in an overlay until commit, and drops them on rollback", () => {
    const store = new DocStore(new Map([["a", 1]]));
    store.set("a", 2);
    store.set("b", 3);
    expect(store.get("a")).toBe(2);
    store.rollback();
    expect(store.get("a")).toBe(1);
    expect(store.get("b")).toBeUndefined();
    store.set("b", 3);
    store.delete("a");
    store.commit();
    expect([...store.keys()]).toEqual(["b"]);
    expect(store.takeDirty()).toEqual(new Map([["b", 3], ["a", undefined]]));
    expect(store.takeDirty().size).toBe(0);
  });

  it("never changes the state it was built from, and refuses writes once sealed", () => {
    const base = new Map([["a", 1]]);
    const store = new DocStore(base);
    store.set("a", 5);
    store.commit();
    expect(base.get("a")).toBe(1);
    const sealed = store.seal();
    expect(sealed.get("a")).toBe(5);
    expect(() => store.set("a", 6)).toThrow(/sealed/);
  });

  it("folds each batch into a new version that shares the rest, leaving every earlier version as it was", () => {
    const first = new DocStore(new Map([["a", 1], ["b", 2], ["c", 3]]));
    first.set("b", 20);
    first.commit();
    const v1 = first.seal();
    const second = new DocStore(v1);
    second.delete("a");
    second.set("d", 4);
    second.commit();
    const v2 = second.seal();
    expect([...v1]).toEqual([["a", 1], ["b", 20], ["c", 3]]);
    // Insertion order, as with a Map: a replaced document keeps its place, a new one comes last.
    expect([...v2]).toEqual([["b", 20], ["c", 3], ["d", 4]]);
    expect(v2.size).toBe(3);
    expect(v2.has("a")).toBe(false);
    expect([...v2.keys()]).toEqual(["b", "c", "d"]);
    expect([...v2.values()]).toEqual([20, 3, 4]);
    const seen: [string, number][] = [];
    v2.forEach((v, k) => seen.push([k, v]));
    expect(seen).toEqual([...v2.entries()]);
  });
});
