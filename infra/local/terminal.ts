import { pino, type Logger } from "pino";
import { prettyFactory } from "pino-pretty";

/**
 * Where the launcher writes: its own log lines and its services' output on stderr, the summary
 * on stdout. Writing never fails the launcher: once the terminal is gone (a closed window gives
 * EIO, a closed pipe EPIPE) output is dropped and the stop goes on; the logs are in files.
 * JSON log lines are made readable when stderr is a terminal.
 */
export class TerminalOutput {
  readonly #broken = new Set<NodeJS.WriteStream>();
  readonly #pretty?: (line: string) => string;

  constructor() {
    for (const stream of [process.stdout, process.stderr]) {
      // Replaces the CLI's "reader went away: exit" handler: the launcher must stop its children first.
      stream.removeAllListeners("error");
      stream.on("error", () => this.#broken.add(stream));
    }
    if (process.stderr.isTTY) this.#pretty = prettyFactory({ colorize: true, ignore: "pid,hostname,lastLines" });
  }

  /** Whether stderr (the log) still reaches someone. */
  get open(): boolean {
    return !this.#broken.has(process.stderr);
  }

  /** Command output (the summary). */
  stdout(text: string): void {
    this.write(process.stdout, text);
  }

  /** A line of log: a JSON log line is made readable on a terminal. */
  line = (line: string): void => {
    if (this.#pretty && line.startsWith("{")) {
      try {
        this.write(process.stderr, this.#pretty(line));
        return;
      } catch {
        // not JSON after all
      }
    }
    this.write(process.stderr, `${line}\n`);
  };

  /** A logger writing here (JSON lines, made readable on a terminal). */
  logger(name: string, level = "info"): Logger {
    return pino({ level, base: { name } }, { write: (s: string) => this.line(s.trimEnd()) });
  }

  private write(stream: NodeJS.WriteStream, text: string): void {
    if (this.#broken.has(stream) || stream.destroyed) return;
    try {
      stream.write(text);
    } catch {
      this.#broken.add(stream);
    }
  }
}
