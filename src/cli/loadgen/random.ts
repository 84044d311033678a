/**
 * A seeded pseudo-random source. Math.random cannot be seeded, and a load run must be
 * reproducible: the same --seed gives the same visitors, pages and event ids.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter): fast, passes PractRand, 32-bit state words. */
export function createRandom(seed: number): Random {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  // The first outputs of a fresh sfc32 still resemble the seed; discard them.
  for (let i = 0; i < 15; i++) next();
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
  };
}

/**
 * Ranks 1..n drawn with P(k) ∝ 1/k^s — how page popularity falls off on real sites (a few pages
 * take most of the views). The cumulative table is built once; a draw is a binary search.
 */
export function createZipf(n: number, s: number, random: Random): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) {
    total += 1 / k ** s;
    cdf[k - 1] = total;
  }
  return () => {
    const target = random.next() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cdf[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  };
}

/** Geometric count ≥ 1 with the given mean (how many pages a visit has). */
export function geometric(mean: number, random: Random): number {
  const p = 1 / mean;
  return 1 + Math.floor(Math.log(1 - random.next()) / Math.log(1 - p));
}
