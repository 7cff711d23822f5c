import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";

const Saved = z.object({ streamCreated: z.string(), floor: z.number().int().min(0) });

/**
 * The node's last known ack floor, kept in its data folder. A process killed after removing its
 * consumer and before making the new one leaves no consumer to read the floor from; the next
 * start takes it from here instead of reading the node's assignments back. Tied to the stream's
 * creation time, so a stream made anew (its sequences start again) is not skipped into.
 */
export class ConsumerFloorFile {
  constructor(private readonly path: string) {}

  read(streamCreated: string): number | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    const saved = Saved.safeParse(parsed);
    return saved.success && saved.data.streamCreated === streamCreated ? saved.data.floor : undefined;
  }

  /** Written whole or not at all (a kill in the middle leaves the previous one). */
  write(streamCreated: string, floor: number): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ streamCreated, floor }), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
