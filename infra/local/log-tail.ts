import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** The last `n` lines of a log file (reading at most its last 64 KiB); empty when there is none. */
export function tailOfFile(file: string, n: number): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString("utf8").split("\n").filter((l) => l.trim() !== "").slice(-n);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A log line made short for a report: a JSON log line becomes `LEVEL message: error`. */
export function shortLine(line: string): string {
  if (line.startsWith("{")) {
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      const level = typeof j.level === "number" ? (levelNames[j.level] ?? String(j.level)) : "";
      const text = [j.msg, j.err?.message].filter(Boolean).join(": ");
      if (text) return `${level ? `${level} ` : ""}${text}`.slice(0, 300);
    } catch {
      // not JSON after all
    }
  }
  return line.slice(0, 300);
}

const levelNames: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
