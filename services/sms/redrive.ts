import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Redriven, RedriveRequest } from "../../domain/api/dlq.js";
import { SpearError } from "../../domain/errors.js";
import { isEventOf } from "../../domain/events/catalog.js";
import type { InvocationRedriven } from "../../domain/events/invocation.js";
import { H } from "../../domain/headers.js";
import { fold } from "../../domain/decider.js";
import { redriveDecider } from "../../domain/invocation/redrive.js";
import { inputObject } from "../../domain/payloads.js";
import { handleCommand } from "../../streams/command-handler.js";
import type { Nats } from "../../streams/connection.js";
import { getDeadLetter, listDeadLetters, originalRequest, type StoredDeadLetter } from "../../streams/dead-letters.js";
import type { EventStore } from "../../streams/event-store.js";
import { Payloads } from "../../streams/invocations/payloads.js";
import type { ParsedRequest } from "../../streams/invocations/request.js";
import { getResult } from "../../streams/invocations/results.js";
import { submitInvocation } from "../../streams/invocations/submit.js";
import { DEFAULT_MAX_SCAN } from "../../streams/read-backwards.js";

/**
 * A redrive recorded this long ago whose new invocation has no result yet is published again
 * when it is asked for again, in case the replica that recorded it died before publishing:
 * well within the request stream's duplicate window (120 s), so a request that was published
 * is stored once. Past it, asking again only names the new invocation.
 */
const RESUBMIT_WITHIN_MS = 60_000;

/**
 * Sends dead-lettered invocations back. Each is recorded first (`InvocationRedriven` on the
 * invocation's own subject, expected version 0 through the decider, so one redrive per
 * invocation stands), then published as the new invocation it names, with the same request:
 * a fresh attempt 1, a fresh queue timeout, no reply subject (its caller is long gone).
 */
export class Redriver {
  private readonly payloads: Payloads;

  constructor(
    private readonly nats: Nats,
    private readonly store: EventStore,
    private readonly log: Logger,
  ) {
    this.payloads = new Payloads(nats.js);
  }

  /** The redrive recorded for an invocation, if any. */
  async recorded(invocationId: string): Promise<InvocationRedriven | undefined> {
    const { events } = await this.store.read({ type: "invocation", id: invocationId });
    return fold(redriveDecider, events.filter((e) => isEventOf("invocation", e))).redriven;
  }

  async redrive(req: RedriveRequest, correlationId: string): Promise<{ items: Redriven[]; skipped: { seq: number; code: string; message: string }[] }> {
    if ("seq" in req) return { items: [await this.one(req.seq, correlationId)], skipped: [] };
    const items: Redriven[] = [];
    const skipped: { seq: number; code: string; message: string }[] = [];
    const seen = new Set<string>();
    let before: number | undefined;
    let scanned = 0;
    while (items.length < req.limit && scanned < DEFAULT_MAX_SCAN) {
      const page = await listDeadLetters(this.nats, { source: "invocation", code: req.code, function: req.function, before, limit: req.limit, maxScan: DEFAULT_MAX_SCAN - scanned });
      scanned += page.scanned;
      for (const dl of page.items) {
        if (items.length === req.limit) break;
        if (!dl.invocationId || seen.has(dl.invocationId)) continue;
        seen.add(dl.invocationId);
        if (await this.recorded(dl.invocationId)) continue;
        try {
          items.push(await this.one(dl.seq, correlationId));
        } catch (e) {
          if (!(e instanceof SpearError) || !["not_redrivable", "payload_not_found"].includes(e.code)) throw e;
          skipped.push({ seq: dl.seq, code: e.code, message: e.message });
        }
      }
      if (page.next === null) break;
      before = page.next;
    }
    return { items, skipped };
  }

  private async one(seq: number, correlationId: string): Promise<Redriven> {
    const raw = await getDeadLetter(this.nats.jsm, seq);
    const parsed = originalRequest(raw);
    if (!parsed?.ok) {
      const why = !parsed ? "it is not an invocation request's dead letter" : `its request cannot be run: ${parsed.error.message}`;
      throw new SpearError("not_redrivable", `dead letter ${seq} cannot be sent back: ${why}`, { seq });
    }
    const r = parsed.request;
    const { events, state } = await handleCommand(
      this.store,
      { type: "invocation", id: r.invocationId },
      redriveDecider,
      {
        invocationId: r.invocationId,
        function: r.function,
        dlqSeq: seq,
        reason: { code: (raw.headers?.get(H.dlqCode) || "unknown").slice(0, 64), message: raw.headers?.get(H.dlqReason) || "" },
        redriveId: randomUUID(),
        redrivenAt: new Date().toISOString(),
      },
      { correlationId },
    );
    const recorded = state.redriven!;
    const fresh = events.length > 0;
    const recent = Date.now() - Date.parse(recorded.redrivenAt) < RESUBMIT_WITHIN_MS;
    if (fresh || (recent && !(await getResult(this.nats.jsm, recorded.redriveId)))) await this.submit(r, recorded.redriveId, correlationId);
    if (fresh) this.log.info({ invocationId: r.invocationId, redriveId: recorded.redriveId, dlqSeq: seq }, "dead-lettered invocation sent back");
    return { seq, invocationId: r.invocationId, function: r.function, redriveId: recorded.redriveId, redriven: fresh };
  }

  /** The request again under the new id; an input held by reference is copied to the new id's object, which the scheduler insists on. */
  private async submit(r: ParsedRequest, redriveId: string, correlationId: string): Promise<void> {
    let body = r.body;
    if (body.inputRef) body = { ...body, inputRef: await this.payloads.put(inputObject(redriveId), await this.payloads.get(body.inputRef)) };
    await submitInvocation(this.nats.js, r.function, body, { invocationId: redriveId, correlationId });
  }
}

/** A dead letter with the redrive recorded for its invocation, if any. */
export async function withRedrive<T extends Pick<StoredDeadLetter, "invocationId" | "source">>(redriver: Redriver, dl: T) {
  const recorded = dl.source === "invocation" && dl.invocationId ? await redriver.recorded(dl.invocationId) : undefined;
  return { ...dl, redrive: recorded ? { redriveId: recorded.redriveId, redrivenAt: recorded.redrivenAt, dlqSeq: recorded.dlqSeq } : null };
}
