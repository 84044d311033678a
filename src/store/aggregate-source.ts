import type { CounterValues } from '../domain/counters.js';
import type { Dimension } from '../domain/dimensions.js';
import type { HyperLogLog } from '../domain/hyperloglog.js';
import type { BucketSpan } from '../domain/time-buckets.js';

/**
 * The two reads every store adapter offers to the shared aggregate engine: sums of counter rows
 * and merges of visitor sketches over aligned bucket spans, grouped by dimension value or bucket.
 */
export interface CounterRead {
  siteId: string;
  dimension: Dimension;
  /** Only these values (an exact page filter, or the top rows of a breakdown); all when absent. */
  values?: readonly string[] | undefined;
  spans: readonly BucketSpan[];
  includeBots: boolean;
  groupBy: 'value' | 'bucket' | 'none';
}

export interface AggregateSource {
  sumCounters(read: CounterRead): Promise<Map<string | number, CounterValues>>;
  mergeSketches(read: CounterRead): Promise<Map<string | number, HyperLogLog>>;
}

/** The group key of a row under a read's grouping. */
export function groupKey(read: CounterRead, value: string, bucket: number): string | number {
  if (read.groupBy === 'value') return value;
  if (read.groupBy === 'bucket') return bucket;
  return '';
}
