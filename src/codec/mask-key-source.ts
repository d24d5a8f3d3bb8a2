/**
 * Masking keys from a cryptographically strong source (RFC 6455 §5.3 and §10.3), drawn in
 * batches: one `crypto.getRandomValues` call yields 2,048 keys.
 */
import { InvalidArgumentError } from "./errors.js";

/** Produces masking keys in the packed integer form of `masking.ts`. */
export interface MaskKeySource {
  nextKey(): number;
}

/** A function filling a buffer with random bytes; defaults to `crypto.getRandomValues`. */
export type RandomFill = (target: Uint8Array) => void;

const defaultFill: RandomFill = (target) => {
  globalThis.crypto.getRandomValues(target);
};

/** A pooled key source over a strong random fill. */
export class RandomMaskKeySource implements MaskKeySource {
  private readonly pool: Uint32Array;
  private readonly bytes: Uint8Array;
  private next: number;

  /**
   * @param fill - the random source; inject a deterministic one for tests only.
   * @param poolSize - keys drawn per refill.
   */
  constructor(
    private readonly fill: RandomFill = defaultFill,
    poolSize = 2048,
  ) {
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 16384) {
      throw new InvalidArgumentError(`poolSize must be an integer in 1..16384, got ${poolSize}`);
    }
    this.pool = new Uint32Array(poolSize);
    this.bytes = new Uint8Array(this.pool.buffer);
    this.next = poolSize;
  }

  nextKey(): number {
    if (this.next === this.pool.length) {
      this.fill(this.bytes);
      this.next = 0;
    }
    return this.pool[this.next++]!;
  }
}

/** Always the same key: for reproducible tests and test vectors, never for real traffic. */
export class FixedMaskKeySource implements MaskKeySource {
  constructor(private readonly key: number) {}
  nextKey(): number {
    return this.key;
  }
}

let shared: RandomMaskKeySource | undefined;

/**
 * The process-wide pooled key source, used when none is injected: one refill serves 2,048 keys
 * across all connections (a pool per connection would cost a CSPRNG call per connect).
 */
export function sharedMaskKeySource(): MaskKeySource {
  shared ??= new RandomMaskKeySource();
  return shared;
}
