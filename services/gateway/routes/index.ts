import type { ApiRoute, GatewayRoute } from "../route.js";
import { functionRoutes } from "./functions.js";
import { healthRoutes } from "./health.js";
import { historyRoutes } from "./history.js";
import { invocationRoutes } from "./invocations.js";
import { liveRoutes } from "./live.js";
import { nodeRoutes } from "./nodes.js";
import { poolRoutes } from "./pools.js";
import { projectionRoutes } from "./projections.js";
import { sessionRoutes } from "./sessions.js";
import { watchRoutes } from "./watch.js";

/** The routes under /v1, each behind the scope it names when tokens are configured. */
export const apiRoutes: readonly ApiRoute[] = [
  ...invocationRoutes,
  ...historyRoutes,
  ...watchRoutes,
  ...functionRoutes,
  ...nodeRoutes,
  ...poolRoutes,
  ...sessionRoutes,
  ...projectionRoutes,
  ...liveRoutes,
];

/** Probes: never behind a token. */
export const probeRoutes: readonly GatewayRoute[] = healthRoutes;
