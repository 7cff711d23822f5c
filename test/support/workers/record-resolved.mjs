// A module resolve hook (module.register) for tests that check what an entry point loads:
// appends every URL resolved to the file named in `data.log`. Written at once, so the list is
// whole when the process exits, whatever its ending.
import { appendFileSync } from "node:fs";

let log;

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
