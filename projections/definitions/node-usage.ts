import { evolveNodeUsage, type NodeUsageView } from "../../domain/node/usage.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import { viewProjection } from "./view-projection.js";

/**
 * The latest status report of every node: usage, instances, when it was received. Reports
 * are kept for the status stream's max age, so a rebuild knows the nodes heard from since.
 * Reports are the only events on a node's status subject and the last one wins, so a rebuild
 * reads the last report of each node, not every report in the stream.
 */
export const nodeUsage = viewProjection<NodeUsageView>({
  name: "node-usage",
  description: "latest status report per node: usage and instances",
  stream: streamNames.status,
  subject: subjects.allStatus,
  evolve: evolveNodeUsage,
  latestPerSubject: true,
});
