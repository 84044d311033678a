import {
  emptyValues,
  type CounterDelta,
  type CounterKey,
  type CounterValues,
  type SketchDelta,
} from '../../domain/counters.js';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import {
  committedValues,
  groupByPartition,
  partitionParams,
  readOwnRows,
  rowId,
  type AggregatePartition,
  type StoredRow,
} from './aggregate-rows.js';
import type { Statements } from './cassandra-statements.js';
import { bytesOf } from './cassandra-values.js';
import type { CqlSession, Statement } from './cql-session.js';
import type { Attempt } from './partition-checkpoints.js';

const METRICS = ['events', 'pageviews', 'sessions', 'bounces', 'duration_ms'] as const;

/**
 * Counter and sketch rows of one log partition: read the partition's own rows, compute, write
 * absolute values. Only that partition's processor writes them, so the read-modify-write cannot
 * race; how a replay avoids counting twice is explained in cassandra-writer.ts.
 */
export function createAggregateWriter(cql: CqlSession, st: Statements) {
  /** This log partition's rows for the keys of a group, by row id. */
  const ownRows = async (
    query: string,
    partition: AggregatePartition,
    keys: readonly CounterKey[],
    attempt: Attempt,
  ) => {
    const own = new Map<string, StoredRow>();
    for (const stored of await readOwnRows(cql, query, partition, keys, attempt.partition)) {
      if (stored.logPartition === attempt.partition)
        own.set(rowId(stored.value, stored.bucket, stored.isBot), stored);
    }
    return own;
  };

  return {
    /**
     * New value = committed value + delta; the committed value is also written as prev_*, and the
     * row is stamped with the attempt, so a replay of an unfinished attempt starts from prev_*.
     */
    async writeCounters(deltas: Iterable<CounterDelta>, attempt: Attempt): Promise<void> {
      const changed = [...deltas].filter((d) => METRICS.some((m) => d[m] !== 0));
      const writes = await cql.map(groupByPartition(changed), async ({ partition, items }) => {
        const own = await ownRows(st.countersOfKeys, partition, items, attempt);
        return items.map((delta): Statement => {
          const stored = own.get(rowId(delta.value, delta.bucket, delta.is_bot));
          const base = stored ? committedValues(stored.row, attempt.uncommitted) : null;
          const next = add(base ?? emptyValues(), delta);
          return {
            query: st.writeCounter,
            params: [
              ...partitionParams(partition),
              delta.value,
              new Date(delta.bucket),
              delta.is_bot,
              attempt.partition,
              ...METRICS.map((m) => next[m]),
              ...METRICS.map((m) => (base ? base[m] : null)),
              attempt.id,
            ],
          };
        });
      });
      await cql.writePartitions(writes);
    },

    /**
     * Sketches need no stamp: merging is a register-wise maximum, so merging the same visitors
     * again (a replay) leaves a sketch as it was.
     */
    async writeSketches(deltas: Iterable<SketchDelta>, attempt: Attempt): Promise<void> {
      const writes = await cql.map(groupByPartition(deltas), async ({ partition, items }) => {
        const own = await ownRows(st.sketchesOfKeys, partition, items, attempt);
        return items.map((delta): Statement => {
          const stored = own.get(rowId(delta.value, delta.bucket, delta.is_bot));
          const merged = HyperLogLog.fromBytes(stored ? bytesOf(stored.row.get('sketch')) : null);
          merged.merge(delta.sketch);
          return {
            query: st.writeSketch,
            params: [
              ...partitionParams(partition),
              delta.value,
              new Date(delta.bucket),
              delta.is_bot,
              attempt.partition,
              Buffer.from(merged.toBytes()),
            ],
          };
        });
      });
      await cql.writePartitions(writes);
    },
  };
}

function add(base: CounterValues, delta: CounterValues): CounterValues {
  const sum = emptyValues();
  for (const m of METRICS) sum[m] = base[m] + delta[m];
  return sum;
}
