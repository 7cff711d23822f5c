// A process function for fault tests, speaking the JSON-lines protocol of docs/functions.md:
// each call sleeps `input.sleepMs`, appends its invocation id to the file named by
// SPEAR_TEST_EXEC_LOG (so a test counts executions per id), and answers `input.echo`, or a
// string of `input.bytes` characters when asked for a large output, or arrays nested
// `input.deep` levels deep.
const { appendFileSync } = require("node:fs");
const send = (m) => process.stdout.write(JSON.stringify(m) + "\n");
const log = process.env.SPEAR_TEST_EXEC_LOG;
let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  const lines = (buffered + chunk).split("\n");
  buffered = lines.pop();
  for (const line of lines) {
    if (!line.trim()) continue;
    const req = JSON.parse(line);
    const input = req.input ?? {};
    if (log) appendFileSync(log, req.id + "\n");
    const output = input.bytes ? "x".repeat(input.bytes) : input.deep ? JSON.parse("[".repeat(input.deep) + "]".repeat(input.deep)) : (input.echo ?? null);
    setTimeout(() => send({ id: req.id, output }), input.sleepMs ?? 0);
  }
});
process.stdin.on("end", () => process.exit(0));
send({ ready: true });
