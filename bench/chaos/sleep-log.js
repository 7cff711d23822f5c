#!/usr/bin/env node
// The chaos suite's process function: sleeps `input.sleepMs`, then answers `{"sleptMs": n}`.
// Speaks the JSON-lines protocol of docs/functions.md (warm worker): {"ready":true} once, then
// one answer line per request line, and exits when its stdin ends (as when its spearlet is
// killed). Each execution appends the request's id, which is the invocation id, to the file
// named by CHAOS_EXECUTION_LOG as it starts, so the harness can count exactly how many times
// each invocation ran, those cut short by a kill included.
import { appendFileSync } from "node:fs";

const log = process.env.CHAOS_EXECUTION_LOG;
if (!log) {
  console.error("sleep-log: CHAOS_EXECUTION_LOG is not set");
  process.exit(1);
}

const send = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);

function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    console.error(`sleep-log: ignoring a line that is not JSON: ${line.slice(0, 80)}`);
    return;
  }
  // One short append per execution: O_APPEND keeps lines from several nodes whole.
  appendFileSync(log, `${req.id}\n`);
  const ms = req.input?.sleepMs;
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) {
    send({ id: req.id, error: { message: 'input must be {"sleepMs": 0..60000}', code: "bad_input" } });
    return;
  }
  setTimeout(() => send({ id: req.id, output: { sleptMs: ms } }), ms);
}

let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  const lines = (buffered + chunk).split("\n");
  buffered = lines.pop();
  for (const line of lines) if (line.trim()) handle(line);
});
process.stdin.on("end", () => process.exit(0));
send({ ready: true });
