import { describe, expect, it } from "vitest";
import { artifactDecider } from "../../../../domain/artifact/decider.js";
import { evolveArtifactView } from "../../../../domain/artifact/view.js";
import type { DomainEvent } from "../../../../domain/events/catalog.js";
import { deciderSpec } from "../../../support/decider-spec.js";
import { recorder } from "../../../support/recorded.js";

const given = deciderSpec(artifactDecider);
const sha256 = "c".repeat(64);
const register = { type: "RegisterArtifact" as const, sha256, size: 100, name: "echo.wasm", maxBytes: 1_000 };
const uploaded: DomainEvent = { type: "ArtifactUploaded", data: { sha256, size: 100, name: "echo.wasm" } };

describe("artifact decider", () => {
  it("records new bytes once", () => given([]).when(register).then([uploaded]));
  it("records nothing for bytes stored already", () => given([uploaded]).when(register).thenNothing());
  it("refuses bytes over the limit", () => given([]).when({ ...register, size: 1_001 }).thenThrows("payload_too_large"));
  it("views an artifact with its upload time", () => {
    const r = recorder("artifact");
    expect(evolveArtifactView(undefined, r(sha256, uploaded))).toEqual({ sha256, size: 100, name: "echo.wasm", uploadedAt: "2030-01-01T00:00:00.000Z" });
  });
});
