import { isId, isInstant, MAX_NAME_LENGTH } from "../ids.js";
import type { NodeStatusReported } from "./status.js";

/*
 * Status reports are most of what a rebuild of the runtime snapshot reads. A report as a
 * spearlet writes it (every field present, nothing unknown, no transitions or outcomes) is
 * recognised here by hand; whatever this does not recognise goes through the schema. So this
 * accepts only bodies the schema accepts and would give back unchanged (no default to fill,
 * no key to strip), and the body itself can be the event's data, with nothing copied.
 */

const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const atLeast0 = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** How many keys an object has (the checks below then find each by name: no key is left unknown). */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

function isPlainUsage(u: unknown): boolean {
  return (
    isRecord(u) &&
    keyCount(u) === 6 &&
    atLeast0(u.cpuPercent) &&
    atLeast0(u.memoryMb) &&
    atLeast0(u.memoryPercent) &&
    (u.memoryPercent as number) <= 100 &&
    atLeast0(u.load1) &&
    count(u.running) &&
    count(u.slots)
  );
}

function isPlainInstance(i: unknown): boolean {
  return (
    isRecord(i) &&
    keyCount(i) === 5 &&
    isId(i.function, MAX_NAME_LENGTH) &&
    Number.isSafeInteger(i.version) &&
    (i.version as number) >= 1 &&
    count(i.ready) &&
    count(i.busy) &&
    count(i.total)
  );
}

const isEmptyArray = (v: unknown): boolean => Array.isArray(v) && v.length === 0;

/** True only for a body `NodeStatusReported` parses to an equal value; false says nothing (parse it). */
export function isPlainStatusReport(body: unknown): body is NodeStatusReported {
  if (!isRecord(body) || keyCount(body) !== 7) return false;
  if (!count(body.reportSeq) || !isInstant(body.at) || typeof body.draining !== "boolean") return false;
  if (!isPlainUsage(body.usage) || !isEmptyArray(body.transitions) || !isEmptyArray(body.outcomes)) return false;
  const instances = body.instances;
  if (!Array.isArray(instances)) return false;
  for (const i of instances) if (!isPlainInstance(i)) return false;
  return true;
}
