/**
 * Splits a byte stream into lines, refusing any line longer than `maxLineBytes` so that a worker
 * that never writes a newline cannot make the spearlet buffer without bound. Splitting on the
 * byte 0x0A is safe for UTF-8: no multi-byte sequence contains it.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private overflowed = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.append(chunk.subarray(start, nl));
      if (this.overflowed) return;
      const line = Buffer.concat(this.parts, this.size).toString("utf8");
      this.parts = [];
      this.size = 0;
      const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (trimmed.trim().length > 0) this.onLine(trimmed);
      start = nl + 1;
    }
    this.append(chunk.subarray(start));
  }

  private append(bytes: Buffer): void {
    if (this.overflowed || bytes.length === 0) return;
    this.size += bytes.length;
    if (this.size > this.maxLineBytes) {
      this.overflowed = true;
      this.parts = [];
      this.onOverflow();
      return;
    }
    this.parts.push(bytes);
  }
}
