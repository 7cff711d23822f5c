// Entry of a wasm instance's worker thread: one function version, one call at a time. The
// main thread ends a call that passes its wall-clock limit by terminating this thread.
import { parentPort, workerData } from "node:worker_threads";
import { GuestRunner } from "./guest-runner.js";
import type { InvokeMessage, WorkerInit } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("worker.ts runs only as a worker thread");

const { runner, started } = GuestRunner.start(workerData as WorkerInit);
port.postMessage(started);
if (runner) {
  port.on("message", (msg: InvokeMessage) => {
    const reply = runner.invoke(msg.id, msg.stdin);
    port.postMessage(reply, [reply.io.stdout.buffer as ArrayBuffer]);
  });
}
