/** The request body served as the module's standard input, from memory. */
export class MemoryStdin {
  #bytes: Uint8Array;
  #pos = 0;

  constructor(bytes: Uint8Array = new Uint8Array(0)) {
    this.#bytes = bytes;
  }

  get remaining(): number {
    return this.#bytes.length - this.#pos;
  }

  /** Copies up to `into.length` bytes; 0 at the end of input. */
  read(into: Uint8Array): number {
    const n = Math.min(into.length, this.remaining);
    into.set(this.#bytes.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return n;
  }
}

/** Standard output, kept whole up to a cap; past it writes are refused and the call is marked. */
export class CappedOutput {
  #chunks: Uint8Array[] = [];
  #size = 0;
  overflowed = false;

  constructor(readonly maxBytes: number) {}

  /** Appends a copy of `bytes`; false (nothing kept) when it would pass the cap. */
  write(bytes: Uint8Array): boolean {
    if (this.#size + bytes.length > this.maxBytes) {
      this.overflowed = true;
      return false;
    }
    this.#chunks.push(bytes.slice());
    this.#size += bytes.length;
    return true;
  }

  take(): Uint8Array {
    const out = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** Standard error keeps only its last `maxBytes`: it explains failures, it is not output. */
export class TailOutput {
  #buf = new Uint8Array(0);

  constructor(readonly maxBytes: number) {}

  write(bytes: Uint8Array): void {
    const joined = new Uint8Array(this.#buf.length + bytes.length);
    joined.set(this.#buf);
    joined.set(bytes, this.#buf.length);
    this.#buf = joined.length > this.maxBytes ? joined.slice(joined.length - this.maxBytes) : joined;
  }

  text(): string {
    return new TextDecoder().decode(this.#buf);
  }
}
