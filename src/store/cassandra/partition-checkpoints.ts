import { types } from 'cassandra-driver';
import type { Statements } from './cassandra-statements.js';
import { nullableNumberOf, uuidSetOf, uuidTextOf } from './cassandra-values.js';
import type { CqlSession } from './cql-session.js';

export interface PartitionState {
  nextOffset: number | null;
  /** An attempt begun and never finished: its process crashed, or its commit failed. */
  pending: string | null;
  aborted: readonly string[];
}

export interface Attempt {
  partition: number;
  id: types.Uuid;
  /** This partition's attempts whose writes do not count: every earlier one that never finished. */
  uncommitted: ReadonlySet<string>;
}

/**
 * The checkpoint row of each log partition is the commit record of its batches. It only changes
 * by compare-and-set (lightweight transactions), so a commit whose state moved under it — a second
 * writer on the same partition, or a timed-out write that landed late — fails instead of
 * checkpointing over someone else's work.
 */
export function createCheckpoints(
  cql: CqlSession,
  st: Statements,
  serialConsistency: types.consistencies,
) {
  return {
    /** Read at SERIAL consistency, so a compare-and-set left half-done by a crash is completed first. */
    async read(partition: number): Promise<PartitionState> {
      const rows = await cql.rows(st.readCheckpoint, [partition], {
        consistency: serialConsistency,
      });
      const row = rows[0];
      if (!row) return { nextOffset: null, pending: null, aborted: [] };
      return {
        nextOffset: nullableNumberOf(row.get('next_offset')),
        pending: uuidTextOf(row.get('pending_attempt')),
        aborted: uuidSetOf(row.get('aborted_attempts')),
      };
    },

    /** Marks a new attempt pending; an earlier pending attempt is aborted for good. */
    async begin(partition: number, state: PartitionState): Promise<Attempt> {
      const id = types.Uuid.random();
      const stale = state.pending === null ? null : types.Uuid.fromString(state.pending);
      const result = await cql.execute(st.beginAttempt, [
        id,
        stale ? [stale] : [],
        new Date(),
        partition,
        stale,
        state.nextOffset,
      ]);
      if (!result.wasApplied()) throw concurrentWriter(partition);
      const uncommitted = new Set(state.aborted);
      if (state.pending !== null) uncommitted.add(state.pending);
      return { partition, id, uncommitted };
    },

    /** The commit point: the checkpoint moves and the attempt's writes count from now on. */
    async finish(attempt: Attempt, nextOffset: number): Promise<void> {
      const result = await cql.execute(st.finishAttempt, [
        nextOffset,
        attempt.id,
        new Date(),
        attempt.partition,
        attempt.id,
      ]);
      if (!result.wasApplied()) throw concurrentWriter(attempt.partition);
    },

    /**
     * An operator's reset (EventStore.resetCheckpoint): the checkpoint moves to `nextOffset`, even
     * backwards, and an attempt left pending is aborted for good, as the next writer would do.
     */
    async reset(partition: number, nextOffset: number): Promise<void> {
      const state = await this.read(partition);
      const stale = state.pending === null ? null : types.Uuid.fromString(state.pending);
      const result =
        state.nextOffset === null && state.pending === null
          ? await cql.execute(st.insertCheckpoint, [partition, nextOffset, new Date()])
          : await cql.execute(st.resetCheckpoint, [
              nextOffset,
              stale ? [stale] : [],
              new Date(),
              partition,
              stale,
              state.nextOffset,
            ]);
      if (!result.wasApplied()) throw concurrentWriter(partition);
    },

    /** Every attempt, on any partition, whose writes readers must not count yet (or ever). */
    async uncommittedAttempts(): Promise<Set<string>> {
      const uncommitted = new Set<string>();
      for (const row of await cql.rows(st.readAllCheckpoints, [])) {
        const pending = uuidTextOf(row.get('pending_attempt'));
        if (pending !== null) uncommitted.add(pending);
        for (const id of uuidSetOf(row.get('aborted_attempts'))) uncommitted.add(id);
      }
      return uncommitted;
    },
  };
}

export type Checkpoints = ReturnType<typeof createCheckpoints>;

function concurrentWriter(partition: number): Error {
  return new Error(
    `the checkpoint of log partition ${partition} changed during the commit: another processor is writing this partition`,
  );
}
