import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../local/paths.js";
import { renderApiDoc } from "./api-doc.js";
import { renderEventsDoc } from "./events-doc.js";

/** `npm run docs`: regenerates the documents that are derived from the schemas. */
writeFileSync(join(packageRoot(), "docs", "events.md"), renderEventsDoc());
process.stdout.write("wrote docs/events.md\n");
writeFileSync(join(packageRoot(), "docs", "api.md"), renderApiDoc());
process.stdout.write("wrote docs/api.md\n");
