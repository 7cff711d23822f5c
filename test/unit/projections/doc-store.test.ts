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
});
