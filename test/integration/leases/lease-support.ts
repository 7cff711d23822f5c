import { expect } from "vitest";
import type { ErrorCode } from "../../../domain/errors.js";
import { isSpearError } from "../../../domain/errors.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Awaits a promise that must fail with a SpearError of this code. */
export async function rejectsWith(p: Promise<unknown>, code: ErrorCode) {
  let thrown: unknown;
  try {
    await p;
  } catch (e) {
    thrown = e;
  }
  expect(isSpearError(thrown), `expected SpearError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
  return thrown;
}
