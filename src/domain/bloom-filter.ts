import { createHash } from 'node:crypto';

/**
 * A Bloom filter over strings: "maybe seen" or "certainly not seen". Sized for `capacity` items at
 * a false-positive rate `fpRate`; probes by double hashing of one 128-bit digest (Kirsch and
 * Mitzenmacher), so a lookup costs one MD5 of the item.
 */
export class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly size: number;
  private readonly probes: number;
  private count = 0;

  constructor(
    readonly capacity: number,
    fpRate: number,
  ) {
    const size = Math.max(64, Math.ceil((-capacity * Math.log(fpRate)) / Math.LN2 ** 2));
    this.size = size;
    this.probes = Math.max(1, Math.round((size / capacity) * Math.LN2));
    this.bits = new Uint32Array(Math.ceil(size / 32));
  }

  /** Bytes of memory the bit array takes. */
  get bytes(): number {
    return this.bits.byteLength;
  }

  /** Items added; past `capacity` the false-positive rate rises above the one it was sized for. */
  get items(): number {
    return this.count;
  }

  add(item: string): void {
    this.addDigest(bloomDigest(item));
  }

  mayContain(item: string): boolean {
    return this.mayContainDigest(bloomDigest(item));
  }

  /** With the digest computed once (bloomDigest), an item is looked up in several filters cheaply. */
  addDigest([h1, h2]: BloomDigest): void {
    for (let i = 0; i < this.probes; i++) {
      const bit = (h1 + i * h2) % this.size;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.count++;
  }

  mayContainDigest([h1, h2]: BloomDigest): boolean {
    for (let i = 0; i < this.probes; i++) {
      const bit = (h1 + i * h2) % this.size;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

export type BloomDigest = readonly [number, number];

export function bloomDigest(item: string): BloomDigest {
  const d = createHash('md5').update(item).digest();
  // Two 32-bit halves as non-negative numbers; h2 odd so the probes cover the table.
  return [d.readUInt32LE(0), (d.readUInt32LE(4) | 1) >>> 0];
}
