import { GRANULARITY_MS, type BucketSpan, type Granularity } from '../../domain/time-buckets.js';

/**
 * How aggregate rows are spread over Cassandra partitions. A counters or sketches partition is
 * (site, dimension, granularity, period): one period holds 60 minute buckets, 24 hour buckets or
 * 7 day buckets, so even a page breakdown of a busy site (values × buckets × log partitions ×
 * bot flag) stays in the low tens of MB, while a year of daily buckets is ~53 partition reads.
 */
export const PERIOD_MS: Record<Granularity, number> = {
  minute: GRANULARITY_MS.hour,
  hour: GRANULARITY_MS.day,
  day: 7 * GRANULARITY_MS.day,
};

export const DAY_MS = GRANULARITY_MS.day;

export function periodOf(granularity: Granularity, bucket: number): number {
  const size = PERIOD_MS[granularity];
  return Math.floor(bucket / size) * size;
}

/** The periods a span's buckets fall in, oldest first. */
export function periodsOf(span: BucketSpan): number[] {
  const size = PERIOD_MS[span.granularity];
  const periods: number[] = [];
  for (let p = periodOf(span.granularity, span.from); p < span.to; p += size) periods.push(p);
  return periods;
}

/** Raw events are partitioned by UTC day. */
export function dayOf(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}
