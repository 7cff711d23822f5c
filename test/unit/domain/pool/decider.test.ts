import { describe, it } from "vitest";
import type { DomainEvent } from "../../../../domain/events/catalog.js";
import { PoolSpec } from "../../../../domain/pool/commands.js";
import { poolDecider, poolSettingsDecider } from "../../../../domain/pool/decider.js";
import { deciderSpec } from "../../../support/decider-spec.js";

const given = deciderSpec(poolDecider);
const spec = PoolSpec.parse({ name: "gold", requiredServices: ["asr"], languages: { sources: ["en"], targets: ["zh"] } });
const defined: DomainEvent = { type: "PoolDefined", data: { ...spec, generated: false } };

describe("pool decider", () => {
  it("defines a new pool", () => given([]).when({ type: "DefinePool", poolId: "gold", spec }).then([defined]));
  it("changes nothing for the same definition", () => given([defined]).when({ type: "DefinePool", poolId: "gold", spec }).thenNothing());
  it("updates a changed definition", () =>
    given([defined])
      .when({ type: "DefinePool", poolId: "gold", spec: { ...spec, matchMode: "exact" } })
      .then([{ type: "PoolUpdated", data: { ...spec, matchMode: "exact", generated: false } }]));
  it("removes a pool", () => given([defined]).when({ type: "RemovePool", poolId: "gold" }).then([{ type: "PoolRemoved", data: {} }]));
  it("refuses to remove a pool that does not exist", () => given([]).when({ type: "RemovePool", poolId: "gold" }).thenThrows("pool_not_found"));
  it("refuses to remove a pool twice", () => given([defined, { type: "PoolRemoved", data: {} }]).when({ type: "RemovePool", poolId: "gold" }).thenThrows("pool_not_found"));
  it("defines a removed pool again", () => given([defined, { type: "PoolRemoved", data: {} }]).when({ type: "DefinePool", poolId: "gold", spec }).then([defined]));
});

describe("pool settings decider", () => {
  const settings = deciderSpec(poolSettingsDecider);
  it("records the settings named, keeping the others", () =>
    settings([])
      .when({ type: "ChangePoolSettings", autoGenerate: true })
      .then([{ type: "PoolSettingsChanged", data: { strict: false, autoGenerate: true, tenantOverrides: {} } }]));
  it("records nothing when nothing changes", () =>
    settings([{ type: "PoolSettingsChanged", data: { strict: true, autoGenerate: false, tenantOverrides: { acme: ["gold"] } } }])
      .when({ type: "ChangePoolSettings", strict: true, tenantOverrides: { acme: ["gold"] } })
      .thenNothing());
});
