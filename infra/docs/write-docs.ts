import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../local/paths.js";
import { renderApiDoc } from "./api-doc.js";
import { renderEventsDoc } from "./events-doc.js";
import { withMetricsTable } from "./metrics-doc.js";

/** `npm run docs`: regenerates the documents that are derived from the schemas. */
writeFileSync(join(packageRoot(), "docs", "events.md"), renderEventsDoc());
process.stdout.write("wrote docs/events.md\n");
writeFileSync(join(packageRoot(), "docs", "api.md"), renderApiDoc());
process.stdout.write("wrote docs/api.md\n");
const operations = join(packageRoot(), "docs", "operations.md");
writeFileSync(operations, withMetricsTable(readFileSync(operations, "utf8")));
process.stdout.write("wrote the metrics table of docs/operations.md\n");
