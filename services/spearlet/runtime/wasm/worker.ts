// Entry of a wasm instance's worker thread: one function version, one call at a time. The
// thread may start before its module is known (a spare), so the first message sets it up. The
// main thread ends a call that passes its wall-clock limit by terminating this thread.
import { parentPort } from "node:worker_threads";
import { GuestRunner } from "./guest-runner.js";
import type { InitMessage, InvokeMessage } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("worker.ts runs only as a worker thread");

port.once("message", (msg: InitMessage) => {
  const { runner, started } = GuestRunner.start(msg.init);
  port.postMessage(started);
  if (!runner) return;
  port.on("message", (m: InvokeMessage) => {
    const reply = runner.invoke(m.id, m.stdin);
    port.postMessage(reply, [reply.io.stdout.buffer as ArrayBuffer]);
  });
});
