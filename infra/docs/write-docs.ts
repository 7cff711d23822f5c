import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../local/paths.js";
import { renderEventsDoc } from "./events-doc.js";

/** `npm run docs`: regenerates the documents that are derived from the schemas. */
writeFileSync(join(packageRoot(), "docs", "events.md"), renderEventsDoc());
process.stdout.write("wrote docs/events.md\n");
