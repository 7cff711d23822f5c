import type { ObjectStore } from "@nats-io/obj";
import type { Logger } from "pino";
import type { Decider } from "../../domain/decider.js";
import type { AggregateEvent, AggregateType } from "../../domain/events/catalog.js";
import type { AggregateRef } from "../../domain/events/envelope.js";
import { subjects } from "../../domain/subjects.js";
import { handleCommand, type HandleResult } from "../../streams/command-handler.js";
import type { EventStore } from "../../streams/event-store.js";
import type { SmsConfig } from "./config.js";
import type { ReadModels } from "./read-models.js";
import type { RequestContext } from "../api/router.js";

/** What the API handlers share. */
export interface SmsContext {
  readonly store: EventStore;
  readonly models: ReadModels;
  readonly artifacts: ObjectStore;
  readonly config: SmsConfig;
  readonly log: Logger;
}

/**
 * Load → decide → append (retrying on a version conflict), then wait until the read
 * models have folded the result, so the reply and the next query see it.
 */
export async function execute<A extends AggregateType, C, S>(
  sms: SmsContext,
  aggregate: AggregateRef<A>,
  decider: Decider<C, S, AggregateEvent<A>>,
  command: C,
  ctx: Pick<RequestContext, "correlationId">,
): Promise<HandleResult<S, AggregateEvent<A>>> {
  const result = await handleCommand(sms.store, aggregate, decider, command, { correlationId: ctx.correlationId });
  if (result.version > 0 && !(await sms.models.settle(subjects.event(aggregate.type, aggregate.id), result.version))) {
    sms.log.warn({ aggregate, seq: result.version }, "read models did not fold the command's events in time; the reply may be stale");
  }
  return result;
}
