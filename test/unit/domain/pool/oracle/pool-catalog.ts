import type { RecordedEvent } from "../../../../../domain/events/envelope.js";
import { POOL_SETTINGS_ID, type PoolDefinition } from "../../../../../domain/events/pool.js";
import { defaultPoolSettings, type PoolSettings } from "../../../../../domain/pool/commands.js";

/** The configured pools and the settings: what the reference `computePools` needs besides the nodes. */
export interface PoolCatalog {
  readonly definitions: ReadonlyMap<string, PoolDefinition>;
  readonly settings: PoolSettings;
}

export const emptyPoolCatalog: PoolCatalog = { definitions: new Map(), settings: defaultPoolSettings };

/** Folds one pool event (a definition or the settings) into the catalog; others pass through. */
export function evolvePoolCatalog(catalog: PoolCatalog, event: RecordedEvent): PoolCatalog {
  const id = event.meta.aggregateId;
  switch (event.type) {
    case "PoolSettingsChanged":
      return { ...catalog, settings: event.data };
    case "PoolDefined":
    case "PoolUpdated":
      if (id === POOL_SETTINGS_ID) return catalog;
      return { ...catalog, definitions: new Map(catalog.definitions).set(id, event.data) };
    case "PoolRemoved": {
      const definitions = new Map(catalog.definitions);
      definitions.delete(id);
      return { ...catalog, definitions };
    }
    default:
      return catalog;
  }
}
