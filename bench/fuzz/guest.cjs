// A process function that misbehaves on request, for the fuzz run (bench/fuzz). Warm by default
// (the JSON-lines protocol of docs/functions.md); with FUZZ_PER_CALL=1 it reads one input from
// stdin and answers once, as a per-call program. The input picks what it writes:
//   {"mode":"echo","value":v}        a well-formed answer with output v
//   {"mode":"raw","line":s}          the text s as the answer line (warm) or as stdout (per call)
//   {"mode":"deep","n":k}            an output nested k levels, built as text
//   {"mode":"huge","n":k}            an output string of k characters
//   {"mode":"wrong-id"}, "no-output", "two-lines", "ready-again", "blank-lines", "crlf",
//   "binary", "stderr", "partial", "hang", {"mode":"exit","code":c},
//   {"mode":"error","message":m,"code":c}
// Anything else is echoed back.
const perCall = process.env.FUZZ_PER_CALL === "1";
const out = (text) => process.stdout.write(text);
const nested = (n) => "[".repeat(n) + "1" + "]".repeat(n);
/** What reply() returns when it means to leave the call unanswered. */
const HOLD = Symbol("hold");

function reply(id, input) {
  const mode = input && typeof input === "object" ? input.mode : undefined;
  const line = (outputText) => (perCall ? outputText : `{"id":${JSON.stringify(id)},"output":${outputText}}`);
  switch (mode) {
    case "raw":
      return out(`${String(input.line)}\n`);
    case "deep":
      return out(`${line(nested(Number(input.n) || 1))}\n`);
    case "huge":
      return out(`${line(JSON.stringify("x".repeat(Number(input.n) || 1)))}\n`);
    case "wrong-id":
      return out(perCall ? "1\n" : `{"id":"not-${id}","output":1}\n`);
    case "no-output":
      return out(perCall ? "" : `{"id":${JSON.stringify(id)}}\n`);
    case "two-lines":
      return out(`${line("1")}\n${line("2")}\n`);
    case "ready-again":
      return out('{"ready":true}\n');
    case "blank-lines":
      return out(`\n\n   \n${line("1")}\n`);
    case "crlf":
      return out(`${line("1")}\r\n`);
    case "binary":
      return process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]));
    case "stderr":
      process.stderr.write("e".repeat(100_000));
      return out(`${line("1")}\n`);
    case "partial":
      out(`{"id":${JSON.stringify(id)},"output":`);
      return HOLD;
    case "hang":
      return HOLD;
    case "exit":
      return process.exit(Number(input.code) || 0);
    case "error":
      if (perCall) {
        process.stderr.write(String(input.message));
        return process.exit(3);
      }
      return out(`${JSON.stringify({ id, error: { message: input.message, code: input.code } })}\n`);
    case "echo":
      return out(`${line(JSON.stringify(input.value ?? null))}\n`);
    default:
      return out(`${line(JSON.stringify(input ?? null))}\n`);
  }
}

let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  if (perCall) return;
  const lines = buffered.split("\n");
  buffered = lines.pop();
  for (const l of lines) {
    if (!l.trim()) continue;
    const req = JSON.parse(l);
    reply(req.id, req.input);
  }
});
process.stdin.on("end", () => {
  if (perCall) {
    let input = null;
    try {
      input = JSON.parse(buffered);
    } catch {
      input = buffered;
    }
    // A held call keeps the process alive until the spearlet's deadline kills it (or, should
    // the spearlet be gone, until a minute has passed: the fuzz leaves no process behind).
    if (reply("", input) === HOLD) setTimeout(() => process.exit(0), 60_000);
    // Otherwise let stdout drain before exiting (a pipe write may still be queued).
    else process.stdout.write("", () => process.exit(0));
    return;
  }
  process.exit(0);
});
if (!perCall) out('{"ready":true}\n');
