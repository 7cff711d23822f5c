import { consolePaths, type ConsoleClient } from "./client.js";

/** A message of the gateway's live stream (services/gateway/live/messages.ts), as the console uses it. */
export type LiveNews =
  | { kind: "event"; seq: number; time: string; type: string; aggregate: string; id: string }
  | {
      kind: "result";
      /** When it finished (results carry no stream sequence). */
      time: string;
      invocationId: string;
      function: string;
      version?: number;
      status: string;
      errorCode?: string;
      nodeId?: string;
      attempts: number;
      submittedAt: string;
      finishedAt: string;
      queueMs?: number;
      runMs?: number;
      totalMs: number;
    }
  | { kind: "status"; seq: number; time: string; nodeId: string; usage: ReportedUsage; instances: InstanceCount[]; draining: boolean }
  | { kind: "deadLetter"; seq: number; time: string; subject: string; code: string; reason: string; from: string };

export interface ReportedUsage {
  cpuPercent: number;
  memoryMb: number;
  memoryPercent: number;
  load1: number;
  running: number;
  slots: number;
}

export interface InstanceCount {
  function: string;
  version: number;
  ready: number;
  busy: number;
  total: number;
}

/**
 * Follows the live stream until `signal` aborts, reconnecting with a growing pause when it
 * ends or fails. An EventSource cannot send the bearer header, so this reads the stream with
 * fetch. `onState(true)` after each (re)connection: whoever listens reloads what it shows,
 * since what happened while disconnected was not seen.
 */
export async function followLive(client: ConsoleClient, onNews: (n: LiveNews) => void, onState: (connected: boolean) => void, signal: AbortSignal): Promise<void> {
  for (let pause = 1_000; !signal.aborted; pause = Math.min(pause * 2, 30_000)) {
    try {
      const res = await fetch(consolePaths.events, { headers: client.headers(), credentials: "omit", signal });
      if (res.status === 401) client.onUnauthorized();
      if (res.ok && res.body) {
        onState(true);
        pause = 1_000;
        await readFrames(res.body, onNews);
      }
    } catch {
      // a dropped connection: reconnect below
    }
    onState(false);
    if (signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** Server-sent event frames: `event:` and `data:` lines, ended by a blank line; comments (`:`) skipped. */
async function readFrames(body: ReadableStream<Uint8Array>, onNews: (n: LiveNews) => void): Promise<void> {
  const reader = body.getReader();
  const text = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += text.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if (data) onNews(JSON.parse(data) as LiveNews);
    }
  }
}
