import { createRequire } from "node:module";
import { pino, type Logger } from "pino";
import type pinoPretty from "pino-pretty";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** pino-pretty is loaded only where lines are made readable: a service writing JSON does not pay for it at start. */
const loadPretty = (): typeof pinoPretty => createRequire(import.meta.url)("pino-pretty") as typeof pinoPretty;

/**
 * The one logger: structured JSON on stderr, or readable lines when stderr is a terminal.
 * stdout stays free for command output.
 */
export function createLogger(opts: { level?: LogLevel; name?: string; pretty?: boolean } = {}): Logger {
  const level = opts.level ?? "info";
  const base = { name: opts.name ?? "spear" };
  if (opts.pretty ?? process.stderr.isTTY) {
    return pino({ level, base }, loadPretty()({ destination: 2, colorize: true, sync: true, ignore: "pid,hostname" }));
  }
  return pino({ level, base }, pino.destination({ dest: 2, sync: false }));
}

export type { Logger };
