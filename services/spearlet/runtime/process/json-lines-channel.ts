import type { Readable, Writable } from "node:stream";
import { LineSplitter } from "./line-splitter.js";
import { decodeResult, encodeRequest, isReadyLine, type WorkerResult } from "./protocol.js";

/** How one call over the channel ended. */
export type CallEnd =
  | { readonly kind: "result"; readonly result: WorkerResult }
  /** The worker broke the protocol (not JSON, wrong id, line too long); it cannot be trusted again. */
  | { readonly kind: "violation"; readonly problem: string; readonly tooLong?: boolean }
  /** The worker went away (exited, killed, its stream closed) before answering. */
  | { readonly kind: "closed" };

interface Pending {
  readonly id: string;
  readonly settle: (end: CallEnd) => void;
}

/**
 * The spearlet's side of the JSON-lines protocol (./protocol.ts) over a worker's stdin and
 * stdout: waits for the ready line, then carries one call at a time and matches its answer by
 * id. The owner (a process or container instance) tells it when the worker has gone, because
 * only the owner knows the exit status that explains why.
 */
export class JsonLinesChannel {
  private isReady = false;
  private isClosed = false;
  private pending?: Pending;
  private readyWaiter?: { resolve: () => void; reject: (e: Error) => void };
  /** First protocol violation seen; the owner kills the worker when one happens. */
  violation?: string;

  constructor(
    private readonly stdin: Writable,
    stdout: Readable,
    maxLineBytes: number,
    private readonly onViolation: (problem: string) => void,
  ) {
    const splitter = new LineSplitter(
      maxLineBytes,
      (line) => this.onLine(line),
      () => this.violate(`the worker wrote a line longer than ${maxLineBytes} bytes`, true),
    );
    stdout.on("data", (chunk: Buffer) => splitter.push(chunk));
    // A worker that exits closes the pipe under us; the owner's exit handling reports that.
    stdin.on("error", () => undefined);
  }

  /** Resolves on the worker's `{"ready":true}`; rejects if it breaks the protocol or goes away first. */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    if (this.isClosed) return Promise.reject(new Error(this.violation ?? "the worker exited before it was ready"));
    return new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
    });
  }

  /** Sends one request; the caller enforces the deadline (only it knows how to stop the worker). */
  call(id: string, input: unknown): Promise<CallEnd> {
    if (this.pending) throw new Error(`call ${this.pending.id} is still running`);
    if (this.isClosed || this.violation) return Promise.resolve({ kind: "closed" });
    return new Promise((settle) => {
      this.pending = { id, settle };
      this.stdin.write(encodeRequest(id, input));
    });
  }

  /** The worker is gone: fail what waits on it. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.readyWaiter?.reject(new Error(this.violation ?? "the worker exited before it was ready"));
    this.readyWaiter = undefined;
    this.settle({ kind: "closed" });
    this.stdin.end();
  }

  private onLine(line: string): void {
    if (this.violation || this.isClosed) return;
    if (!this.isReady) {
      if (!isReadyLine(line)) return this.violate(`the worker wrote ${quote(line)} before {"ready":true}`);
      this.isReady = true;
      this.readyWaiter?.resolve();
      this.readyWaiter = undefined;
      return;
    }
    const pending = this.pending;
    if (!pending) return this.violate(`the worker wrote ${quote(line)} while no call was running`);
    const result = decodeResult(line);
    if (typeof result === "string") return this.violate(result);
    if (result.id !== pending.id) return this.violate(`the worker answered id '${result.id}' to call '${pending.id}'`);
    this.settle({ kind: "result", result });
  }

  private violate(problem: string, tooLong = false): void {
    if (this.violation) return;
    this.violation = problem;
    this.readyWaiter?.reject(new Error(problem));
    this.readyWaiter = undefined;
    this.settle({ kind: "violation", problem, ...(tooLong ? { tooLong } : {}) });
    this.onViolation(problem);
  }

  private settle(end: CallEnd): void {
    const p = this.pending;
    this.pending = undefined;
    p?.settle(end);
  }
}

const quote = (line: string) => JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}…` : line);
