import type { LanguagePair, RuntimeKind } from "../ids.js";
import { nodeHandlesPair } from "../pool/languages.js";
import { runtimeBit, Status, type NodeTable } from "./node-table.js";
import type { PlaceOptions } from "./options.js";

/** Why a node was passed over; the refusal reports the counts. */
export type RejectReason =
  | "unknown"
  | "lost"
  | "draining"
  | "unhealthy"
  | "excluded"
  | "avoided"
  | "runtime"
  | "services"
  | "labels"
  | "language"
  | "full"
  | "cpu"
  | "memory";

/** Reasons that no amount of waiting fixes: the node cannot run this function at all. */
const requirementReasons: ReadonlySet<RejectReason> = new Set(["runtime", "services", "labels", "language"]);

const AVAILABLE = Status.online + Status.healthy;

export interface NodeRequirements {
  readonly runtime: RuntimeKind;
  readonly services: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Checked per node only where no pool rule vouches for it (the any-node fallback). */
  readonly pair?: LanguagePair | undefined;
}

/**
 * Level-2 filter of one decision, by node number: a node passes when it exists, is online,
 * healthy, not excluded, offers the runtime, services and labels, is under the cpu and memory
 * thresholds and has a free slot by the snapshot. The common checks read the table's columns;
 * the node object is read only for services, labels or a pair the function asks for. It
 * remembers the nodes chosen so far (a node in several pools is offered once) and counts the
 * reason of every rejection.
 */
export class NodeFilter {
  readonly rejected: Partial<Record<RejectReason, number>> = {};
  private readonly taken: number[] = [];
  private readonly excluded: ReadonlySet<number>;
  private readonly avoided: ReadonlySet<number>;
  private readonly trustSlots: boolean;
  private readonly labelEntries: readonly (readonly [string, string])[];
  private readonly bit: number;
  private readonly objectChecks: boolean;
  private examinedCount = 0;
  private otherRejections = 0;

  constructor(
    private readonly table: NodeTable,
    private readonly req: NodeRequirements,
    private readonly options: Pick<PlaceOptions, "maxCpuPercent" | "maxMemoryPercent">,
    passOver: {
      readonly exclude: Iterable<string>;
      readonly avoid?: Iterable<string>;
      /** Whether a node the snapshot shows full is passed over (false: the reservation decides). */
      readonly trustSlots?: boolean;
    },
  ) {
    this.labelEntries = Object.entries(req.labels);
    this.bit = runtimeBit[req.runtime];
    this.objectChecks = req.services.length > 0 || this.labelEntries.length > 0 || req.pair !== undefined;
    this.excluded = indexes(table, passOver.exclude);
    this.avoided = indexes(table, passOver.avoid ?? []);
    this.trustSlots = passOver.trustSlots ?? true;
  }

  /** Why node `i` cannot take the call, or undefined when it can. */
  reasonOf(i: number): RejectReason | undefined {
    const t = this.table;
    const status = t.status[i]!;
    if (status !== AVAILABLE) {
      const state = status & ~Status.healthy;
      if (state === Status.removed) return "unknown";
      if (state === Status.lost) return "lost";
      if (state === Status.draining) return "draining";
      return "unhealthy";
    }
    if (this.excluded.size > 0 && this.excluded.has(i)) return "excluded";
    if (this.avoided.size > 0 && this.avoided.has(i)) return "avoided";
    if ((t.runtimes[i]! & this.bit) === 0) return "runtime";
    if (this.objectChecks) {
      const node = t.nodes[i]!;
      for (const s of this.req.services) if (!node.services.has(s)) return "services";
      for (const [k, v] of this.labelEntries) if (node.labels[k] !== v) return "labels";
      if (this.req.pair && !nodeHandlesPair(node.languages, this.req.pair)) return "language";
    }
    if (this.trustSlots && t.running[i]! >= t.slots[i]!) return "full";
    if (t.cpu[i]! > this.options.maxCpuPercent) return "cpu";
    if (t.memory[i]! > this.options.maxMemoryPercent) return "memory";
    return undefined;
  }

  /** Whether node `i` may take the call and was not chosen yet in this decision. */
  accept(i: number): boolean {
    if (this.taken.length > 0 && this.taken.includes(i)) return false;
    this.examinedCount++;
    const reason = this.reasonOf(i);
    if (reason === undefined) return true;
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    if (!requirementReasons.has(reason)) this.otherRejections++;
    return false;
  }

  take(i: number): number {
    this.taken.push(i);
    return i;
  }

  get examined(): number {
    return this.examinedCount;
  }

  /** True when nodes were examined and every one lacked something the function requires. */
  get onlyRequirementsFailed(): boolean {
    return this.examinedCount > 0 && this.otherRejections === 0;
  }
}

/** The node numbers of the ids that are in the table. */
function indexes(table: NodeTable, ids: Iterable<string>): ReadonlySet<number> {
  const out = new Set<number>();
  for (const id of ids) {
    const i = table.indexOf.get(id);
    if (i !== undefined) out.add(i);
  }
  return out;
}
