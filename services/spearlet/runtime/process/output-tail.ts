/**
 * The last `maxBytes` of a stream (a worker's stderr), kept for error messages. Bounded, so a
 * chatty worker costs a fixed amount of memory.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes ever pushed; a mark taken before a call lets the message show only that call's output. */
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.total += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.maxBytes) this.size -= this.chunks.shift()!.length;
  }

  mark(): number {
    return this.total;
  }

  /** What was written since `mark` (or everything kept), at most `maxBytes`, trimmed. */
  text(mark = 0): string {
    const wanted = Math.min(this.total - mark, this.maxBytes);
    if (wanted <= 0) return "";
    const all = Buffer.concat(this.chunks, this.size);
    return all.subarray(all.length - Math.min(wanted, all.length)).toString("utf8").trim();
  }
}
