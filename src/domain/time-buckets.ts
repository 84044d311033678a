/**
 * UTC time buckets. Aggregates are kept per minute, hour and day; an arbitrary range is answered
 * by decomposing it into the fewest aligned buckets (days in the middle, hours and minutes at the
 * edges), so any range is exact to the minute while a year costs ~400 reads instead of 500,000.
 */
export type Granularity = 'minute' | 'hour' | 'day';

export const GRANULARITY_MS: Record<Granularity, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export function bucketStart(time: number, granularity: Granularity): number {
  const size = GRANULARITY_MS[granularity];
  return Math.floor(time / size) * size;
}

export function ceilToBucket(time: number, granularity: Granularity): number {
  const size = GRANULARITY_MS[granularity];
  return Math.ceil(time / size) * size;
}

export interface BucketSpan {
  granularity: Granularity;
  /** Inclusive start of the first bucket. */
  from: number;
  /** Exclusive end: the start of the bucket after the last one. */
  to: number;
}

/**
 * Splits [from, to) — both already aligned to the finest granularity offered — into aligned spans,
 * coarsest first. `offered` lists the granularities kept for the dimension, finest first.
 */
export function decomposeRange(
  from: number,
  to: number,
  offered: readonly Granularity[],
): BucketSpan[] {
  const finest = offered[0];
  if (finest === undefined || from >= to) return [];
  const coarser = offered.slice(1);
  if (coarser.length === 0) return [{ granularity: finest, from, to }];
  const next = coarser[0]!;
  const innerFrom = ceilToBucket(from, next);
  const innerTo = bucketStart(to, next);
  if (innerFrom >= innerTo) return [{ granularity: finest, from, to }];
  const spans = decomposeRange(innerFrom, innerTo, coarser);
  if (from < innerFrom) spans.push({ granularity: finest, from, to: innerFrom });
  if (innerTo < to) spans.push({ granularity: finest, from: innerTo, to });
  return spans;
}

/** Every bucket start of one granularity in [from, to). */
export function bucketStarts(from: number, to: number, granularity: Granularity): number[] {
  const size = GRANULARITY_MS[granularity];
  const starts: number[] = [];
  for (let t = bucketStart(from, granularity); t < to; t += size) starts.push(t);
  return starts;
}
