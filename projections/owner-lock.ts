import type { KV } from "@nats-io/kv";
import { hostname } from "node:os";
import { SpearError } from "../domain/errors.js";
import { encodeJson } from "../streams/json.js";
import { META, readJson } from "./read-model.js";

interface Owner {
  readonly owner: string;
  readonly at: number;
}

/** A worker's owner id: `<host>/<pid>/<tag>`, so a holder on this host can be seen to be dead. */
export const ownerId = (host: string, pid: number, tag: string) => `${host}/${pid}/${tag}`;

/** Whether the owner named a process of this host that no longer runs (a crashed worker). */
function deadOnThisHost(owner: string): boolean {
  const [host, pid] = owner.split("/");
  const n = Number(pid);
  if (host !== hostname() || !Number.isInteger(n) || n <= 1 || n === process.pid) return false;
  try {
    process.kill(n, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * One worker at a time folds a projection, because documents must see events in order.
 * Ownership is a key in the read model's bucket, renewed with compare-and-set; a holder that
 * stops renewing for `ttlMs` may be replaced, and one whose process on this host is gone (a
 * worker killed and started again) at once.
 */
export class OwnerLock {
  private revision = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly kv: KV,
    readonly owner: string,
    private readonly ttlMs: number,
    private readonly onLost: (reason: string) => void,
  ) {}

  async acquire(now = Date.now()): Promise<void> {
    const held = await readJson<Owner>(this.kv, META.owner);
    const mine = encodeJson({ owner: this.owner, at: now } satisfies Owner);
    try {
      if (!held) {
        this.revision = await this.kv.create(META.owner, mine);
      } else if (held.value.owner === this.owner || now - held.value.at > this.ttlMs || deadOnThisHost(held.value.owner)) {
        this.revision = await this.kv.update(META.owner, mine, held.revision);
      } else {
        throw new SpearError("projection_locked", `held by ${held.value.owner}, renewed ${now - held.value.at} ms ago`, {
          owner: held.value.owner,
        });
      }
    } catch (e) {
      if (e instanceof SpearError) throw e;
      throw new SpearError("projection_locked", "another worker took the projection at the same moment", undefined, { cause: e });
    }
    this.timer = setInterval(() => void this.renew(), Math.max(250, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    try {
      this.revision = await this.kv.update(META.owner, encodeJson({ owner: this.owner, at: Date.now() } satisfies Owner), this.revision);
    } catch (e) {
      this.stopRenewing();
      this.onLost(e instanceof Error ? e.message : String(e));
    }
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async release(): Promise<void> {
    this.stopRenewing();
    try {
      await this.kv.delete(META.owner, { previousSeq: this.revision });
    } catch {
      // Someone replaced us already; nothing of ours to release.
    }
  }
}
