import { InvalidArgumentError } from "commander";
import ms from "ms";

/** `10m`, `2h`, `30s` back from now, or an ISO-8601 time. */
export function parseSince(value: string, now = new Date()): Date {
  const duration = /^\d+(\.\d+)?\s*[a-z]+$/i.test(value) ? ms(value as ms.StringValue) : undefined;
  if (typeof duration === "number" && Number.isFinite(duration)) return new Date(now.getTime() - duration);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = new Date(value);
    if (!Number.isNaN(t.getTime())) return t;
  }
  throw new InvalidArgumentError(`'${value}' is neither a duration (10m, 2h) nor an ISO time (2026-11-22T10:00:00Z)`);
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return n;
}

export const parseList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];
