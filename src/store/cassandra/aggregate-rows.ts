import type { types } from 'cassandra-driver';
import type { CounterKey, CounterValues } from '../../domain/counters.js';
import type { Dimension } from '../../domain/dimensions.js';
import type { Granularity } from '../../domain/time-buckets.js';
import { periodOf } from './bucket-partitions.js';
import { booleanOf, nullableNumberOf, numberOf, textOf, uuidTextOf } from './cassandra-values.js';
import type { CqlSession } from './cql-session.js';

/** The Cassandra partition of a counters or sketches row. */
export interface AggregatePartition {
  siteId: string;
  dimension: Dimension;
  granularity: Granularity;
  period: number;
}

/** A counters or sketches row as read, with its clustering key decoded. */
export interface StoredRow {
  value: string;
  bucket: number;
  isBot: boolean;
  logPartition: number;
  row: types.Row;
}

/** Values per IN list: a short list keeps each read a bounded slice of one partition. */
const VALUES_PER_READ = 100;

export function rowId(value: string, bucket: number, isBot: boolean): string {
  return `${value}\0${bucket}\0${isBot ? 1 : 0}`;
}

export function partitionParams(p: AggregatePartition): unknown[] {
  return [p.siteId, p.dimension, p.granularity, new Date(p.period)];
}

/** Groups counter or sketch keys by the Cassandra partition their rows live in. */
export function groupByPartition<T extends CounterKey>(
  items: Iterable<T>,
): Array<{ partition: AggregatePartition; items: T[] }> {
  const groups = new Map<string, { partition: AggregatePartition; items: T[] }>();
  for (const item of items) {
    const period = periodOf(item.granularity, item.bucket);
    const id = `${item.site_id}\0${item.dimension}\0${item.granularity}\0${period}`;
    let group = groups.get(id);
    if (!group) {
      group = {
        partition: {
          siteId: item.site_id,
          dimension: item.dimension,
          granularity: item.granularity,
          period,
        },
        items: [],
      };
      groups.set(id, group);
    }
    group.items.push(item);
  }
  return [...groups.values()];
}

/**
 * Rows of one partition: all of them, or only those of some dimension values. `wholePartition`
 * and `ofValues` are the two prepared reads (the second ends in `value IN ?`).
 */
export async function readRows(
  cql: CqlSession,
  reads: { wholePartition: string; ofValues: string },
  partition: AggregatePartition,
  values?: readonly string[],
): Promise<StoredRow[]> {
  const params = partitionParams(partition);
  if (values === undefined) return (await cql.rows(reads.wholePartition, params)).map(storedRow);
  const unique = [...new Set(values)];
  const rows: StoredRow[] = [];
  for (let i = 0; i < unique.length; i += VALUES_PER_READ) {
    const chunk = unique.slice(i, i + VALUES_PER_READ);
    for (const row of await cql.rows(reads.ofValues, [...params, chunk])) rows.push(storedRow(row));
  }
  return rows;
}

/**
 * The rows one log partition owns for some keys, read by their exact clustering key: values,
 * buckets and bot flags as IN lists and the log partition fixed. Reading by value alone would bring
 * every bucket of the period and every log partition's row (a busy page's minute rows: 60 buckets
 * × 2 × the partition count), which is what made commits slow. The IN lists form a cartesian
 * product, so a read may return a few rows no key asked for; callers look rows up by rowId.
 */
export async function readOwnRows(
  cql: CqlSession,
  query: string,
  partition: AggregatePartition,
  keys: ReadonlyArray<{ value: string; bucket: number; is_bot: boolean }>,
  logPartition: number,
): Promise<StoredRow[]> {
  const byValue = new Map<string, Array<{ bucket: number; is_bot: boolean }>>();
  for (const key of keys) {
    const list = byValue.get(key.value);
    if (list) list.push(key);
    else byValue.set(key.value, [key]);
  }
  const values = [...byValue.keys()];
  const rows: StoredRow[] = [];
  for (let i = 0; i < values.length; i += VALUES_PER_READ) {
    const chunk = values.slice(i, i + VALUES_PER_READ);
    const ofChunk = chunk.flatMap((value) => byValue.get(value)!);
    const buckets = [...new Set(ofChunk.map((k) => k.bucket))].map((bucket) => new Date(bucket));
    const bots = [...new Set(ofChunk.map((k) => k.is_bot))];
    const params = [...partitionParams(partition), chunk, buckets, bots, logPartition];
    for (const row of await cql.rows(query, params)) rows.push(storedRow(row));
  }
  return rows;
}

function storedRow(row: types.Row): StoredRow {
  return {
    value: textOf(row.get('value')),
    bucket: numberOf(row.get('bucket')),
    isBot: booleanOf(row.get('is_bot')),
    logPartition: numberOf(row.get('log_partition')),
    row,
  };
}

/**
 * What a counters row holds as far as committed batches go: its values, or — when the attempt that
 * wrote it never finished — the values from before that attempt (null: the row did not exist).
 */
export function committedValues(
  row: types.Row,
  uncommitted: ReadonlySet<string>,
): CounterValues | null {
  const stamp = uuidTextOf(row.get('attempt'));
  const prefix = stamp !== null && uncommitted.has(stamp) ? 'prev_' : '';
  const events = nullableNumberOf(row.get(`${prefix}events`));
  if (events === null) return null;
  return {
    events,
    pageviews: numberOf(row.get(`${prefix}pageviews`)),
    sessions: numberOf(row.get(`${prefix}sessions`)),
    bounces: numberOf(row.get(`${prefix}bounces`)),
    duration_ms: numberOf(row.get(`${prefix}duration_ms`)),
  };
}
