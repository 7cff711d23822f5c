const TIMEOUT = Symbol("timeout");

/**
 * Groups an async stream of items into batches: a batch ends when it holds `maxBatch` items,
 * when `endsBatch` says so, or `maxMs` after its first item, whether or not more items come.
 * Breaking out of the loop does not stop the source: its owner does.
 */
export async function* batches<T>(
  source: AsyncIterable<T>,
  opts: { maxBatch: number; maxMs: number; endsBatch?: (item: T) => boolean },
): AsyncGenerator<T[]> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  let batch: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  let expired: Promise<typeof TIMEOUT> | undefined;
  try {
    for (;;) {
      const r = await (expired ? Promise.race([next, expired]) : next);
      if (r === TIMEOUT) {
        expired = undefined;
        yield batch;
        batch = [];
        continue;
      }
      if (r.done) {
        if (batch.length > 0) yield batch;
        return;
      }
      next = it.next();
      batch.push(r.value);
      if (batch.length === 1) {
        expired = new Promise((resolve) => {
          timer = setTimeout(() => resolve(TIMEOUT), opts.maxMs);
        });
      }
      if (batch.length >= opts.maxBatch || opts.endsBatch?.(r.value)) {
        clearTimeout(timer);
        expired = undefined;
        yield batch;
        batch = [];
      }
    }
  } finally {
    clearTimeout(timer);
    // A next() may still be waiting on the source; awaiting return() would queue behind it
    // forever. The source's owner stops it; return() then completes on its own.
    it.return?.().catch(() => undefined);
  }
}
