#!/usr/bin/env node
// A Spear process function in plain JavaScript: text statistics.
// Speaks the JSON-lines protocol of docs/functions.md: it says {"ready":true} once, then answers
// each request line {"id","input"} with one line {"id","output"} (or {"id","error"}), and exits
// when its stdin ends. Logs go to stderr; stdout carries protocol lines only.
// No import or require: the file runs the same as an ES module or CommonJS (an uploaded artifact
// has no package.json beside it).

/** Input: a string, or {"text": string, "top"?: number}. */
function stats(input) {
  const text = typeof input === "string" ? input : input?.text;
  if (typeof text !== "string") throw new Error('input must be a string or {"text": "..."}');
  const top = Number.isInteger(input?.top) && input.top > 0 ? input.top : 3;
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const counts = new Map();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  const topWords = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([word, count]) => ({ word, count }));
  return {
    lines: text === "" ? 0 : text.split("\n").length,
    words: words.length,
    chars: [...text].length,
    bytes: Buffer.byteLength(text),
    unique: counts.size,
    topWords,
  };
}

const send = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);

function answer(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    console.error(`wc: ignoring a line that is not JSON: ${line.slice(0, 80)}`);
    return;
  }
  try {
    send({ id: req.id, output: stats(req.input) });
  } catch (e) {
    send({ id: req.id, error: { message: e.message, code: "bad_input" } });
  }
}

let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  const lines = (buffered + chunk).split("\n");
  buffered = lines.pop();
  for (const line of lines) if (line.trim()) answer(line);
});
process.stdin.on("end", () => process.exit(0));
send({ ready: true });
