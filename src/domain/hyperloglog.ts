import { hash } from 'node:crypto';

/**
 * HyperLogLog unique-visitor sketch, precision 14 (16,384 registers): standard error 0.81 %,
 * near-exact below a few thousand (linear counting). Sketches merge by taking the register-wise
 * maximum, so per-bucket and per-partition sketches combine into any range.
 *
 * Serialised form: byte 0 = 1 (sparse: 3-byte entries `index << 6 | rank`) or 2 (dense: one byte
 * per register). Sparse keeps the many small per-page-per-hour sketches to a few bytes.
 */
const PRECISION = 14;
const REGISTERS = 1 << PRECISION;
const SPARSE = 1;
const DENSE = 2;
const SPARSE_LIMIT = Math.floor(REGISTERS / 3);
const ALPHA = 0.7213 / (1 + 1.079 / REGISTERS);
/** 2^-rank for every rank a register can hold (6 bits): estimate() sums one per register. */
const RANKS = 64;
const INVERSE_POWERS = Float64Array.from({ length: RANKS }, (_, rank) => 2 ** -rank);
/** Registers in a sketch: a rank histogram's counts add up to it. */
export const HLL_REGISTERS = REGISTERS;

export class HyperLogLog {
  private sparse: Map<number, number> | null = new Map();
  private dense: Uint8Array | null = null;

  static fromBytes(bytes: Uint8Array | null | undefined): HyperLogLog {
    const sketch = new HyperLogLog();
    if (!bytes || bytes.length === 0) return sketch;
    if (bytes[0] === DENSE && bytes.length === REGISTERS + 1) {
      sketch.sparse = null;
      sketch.dense = Uint8Array.from(bytes.subarray(1));
      return sketch;
    }
    if (bytes[0] !== SPARSE || (bytes.length - 1) % 3 !== 0) {
      throw new Error('not a HyperLogLog sketch');
    }
    for (let i = 1; i < bytes.length; i += 3) {
      const entry = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      // An entry's 18 index bits can name registers past ours: such bytes are not our sketch.
      if (entry >>> 6 >= REGISTERS) throw new Error('not a HyperLogLog sketch');
      sketch.setMax(entry >>> 6, entry & 0x3f);
    }
    return sketch;
  }

  /**
   * fromBytes(stored), merged with `delta`, as bytes — without building the stored sketch. The
   * store rewrites every touched sketch once per batch, and parsing a large sparse sketch into a
   * Map and sorting it back cost ~1 ms each; a linear merge of the sorted entries costs a few µs.
   * The result is byte for byte what the slow path gives (it is taken whenever this one cannot).
   */
  static mergeBytes(stored: Uint8Array | null | undefined, delta: HyperLogLog): Uint8Array {
    if (stored && stored[0] === DENSE && stored.length === REGISTERS + 1) {
      const out = Uint8Array.from(stored);
      const raise = (rank: number, index: number): void => {
        if (rank > out[index + 1]!) out[index + 1] = rank;
      };
      if (delta.dense) delta.dense.forEach(raise);
      else delta.sparse!.forEach(raise);
      return out;
    }
    const merged =
      stored &&
      stored.length > 0 &&
      !delta.dense &&
      stored[0] === SPARSE &&
      (stored.length - 1) % 3 === 0
        ? mergeSparse(
            stored,
            [...delta.sparse!.entries()].sort((a, b) => a[0] - b[0]),
          )
        : null;
    if (merged) return merged;
    const sketch = HyperLogLog.fromBytes(stored);
    sketch.merge(delta);
    return sketch.toBytes();
  }

  add(value: string): void {
    const { index, rank } = HyperLogLog.position(value);
    this.setMax(index, rank);
  }

  /** The register a value lands in; compute once and add to many sketches with `addPosition`. */
  static position(value: string): { index: number; rank: number } {
    const digest = hash('sha1', value, 'buffer');
    const high = digest.readUInt32BE(0);
    const low = digest.readUInt32BE(4);
    const index = high >>> (32 - PRECISION);
    // The rank is the position of the first 1-bit in the remaining 50 bits.
    const rest = ((high << PRECISION) >>> 0) | 0;
    let rank: number;
    if (rest !== 0) rank = Math.clz32(rest) + 1;
    else rank = low === 0 ? 32 - PRECISION + 33 : 32 - PRECISION + Math.clz32(low) + 1;
    return { index, rank };
  }

  addPosition(position: { index: number; rank: number }): void {
    this.setMax(position.index, position.rank);
  }

  merge(other: HyperLogLog): void {
    if (other.dense) {
      // Dense into dense is a plain loop over the registers: queries merge one dense sketch per
      // day and page, and a callback per register made that most of a top-pages query.
      if (this.sparse) this.toDense();
      const mine = this.dense!;
      const theirs = other.dense;
      for (let i = 0; i < REGISTERS; i++) if (theirs[i]! > mine[i]!) mine[i] = theirs[i]!;
      return;
    }
    other.sparse?.forEach((rank, index) => this.setMax(index, rank));
  }

  estimate(): number {
    return HyperLogLog.estimateRanks(this.rankHistogram());
  }

  /** How many registers hold each rank (index 0: registers still at zero). */
  rankHistogram(): Uint32Array {
    const histogram = new Uint32Array(RANKS);
    if (this.sparse) {
      histogram[0] = REGISTERS - this.sparse.size;
      this.sparse.forEach((rank) => histogram[rank]!++);
      return histogram;
    }
    for (const rank of this.dense!) histogram[rank]!++;
    return histogram;
  }

  /**
   * The estimate from a rank histogram. Every store computes visitors through this one function,
   * from the same histogram (a store's SQL can count registers by rank), summing in rank order so
   * the floating-point result is the same bit for bit wherever it is computed. While at most a
   * third of the registers are set, linear counting over the empty ones is near exact; beyond,
   * the HyperLogLog estimate, with linear counting below 2.5 × registers.
   *
   * `registers` below 16,384 estimates from the first registers alone (a store that sampled the
   * visitors whose register index is below it): the answer is the visitors of that sample.
   */
  static estimateRanks(histogram: ArrayLike<number>, registers = REGISTERS): number {
    const zeros = histogram[0] ?? 0;
    if (zeros === registers) return 0;
    const linear = (): number => Math.round(registers * Math.log(registers / zeros));
    if (registers - zeros <= Math.floor(registers / 3)) return linear();
    let sum = zeros;
    for (let rank = 1; rank < histogram.length; rank++)
      sum += (histogram[rank] ?? 0) * INVERSE_POWERS[rank]!;
    const alpha = registers === REGISTERS ? ALPHA : 0.7213 / (1 + 1.079 / registers);
    const raw = (alpha * registers * registers) / sum;
    if (raw <= 2.5 * registers && zeros > 0) return linear();
    return Math.round(raw);
  }

  toBytes(): Uint8Array {
    if (this.dense) {
      const out = new Uint8Array(REGISTERS + 1);
      out[0] = DENSE;
      out.set(this.dense, 1);
      return out;
    }
    const entries = [...this.sparse!.entries()].sort((a, b) => a[0] - b[0]);
    const out = new Uint8Array(1 + entries.length * 3);
    out[0] = SPARSE;
    entries.forEach(([index, rank], i) => {
      const entry = (index << 6) | rank;
      out[1 + i * 3] = entry >>> 16;
      out[2 + i * 3] = (entry >>> 8) & 0xff;
      out[3 + i * 3] = entry & 0xff;
    });
    return out;
  }

  private setMax(index: number, rank: number): void {
    if (this.dense) {
      if (rank > this.dense[index]!) this.dense[index] = rank;
      return;
    }
    const sparse = this.sparse!;
    if (rank > (sparse.get(index) ?? 0)) sparse.set(index, rank);
    if (sparse.size > SPARSE_LIMIT) this.toDense();
  }

  private toDense(): void {
    const dense = new Uint8Array(REGISTERS);
    this.sparse!.forEach((rank, index) => (dense[index] = rank));
    this.dense = dense;
    this.sparse = null;
  }
}

/**
 * Merges sorted sparse entries into sorted sparse bytes, keeping the higher rank of a register
 * both name. Null when the slow path must decide: unsorted or foreign bytes, or a result that
 * outgrows the sparse form.
 */
function mergeSparse(
  stored: Uint8Array,
  extra: ReadonlyArray<[number, number]>,
): Uint8Array | null {
  const out = new Uint8Array(stored.length + extra.length * 3);
  out[0] = SPARSE;
  let o = 1;
  let j = 0;
  let previous = -1;
  const put = (index: number, rank: number): void => {
    const entry = (index << 6) | rank;
    out[o++] = entry >>> 16;
    out[o++] = (entry >>> 8) & 0xff;
    out[o++] = entry & 0xff;
  };
  for (let i = 1; i < stored.length; i += 3) {
    const entry = (stored[i]! << 16) | (stored[i + 1]! << 8) | stored[i + 2]!;
    const index = entry >>> 6;
    if (index <= previous || index >= REGISTERS) return null;
    previous = index;
    let rank = entry & 0x3f;
    for (; j < extra.length && extra[j]![0] <= index; j++) {
      const [extraIndex, extraRank] = extra[j]!;
      if (extraIndex === index) rank = Math.max(rank, extraRank);
      else put(extraIndex, extraRank);
    }
    put(index, rank);
  }
  for (; j < extra.length; j++) put(extra[j]![0], extra[j]![1]);
  return (o - 1) / 3 > SPARSE_LIMIT ? null : out.slice(0, o);
}
