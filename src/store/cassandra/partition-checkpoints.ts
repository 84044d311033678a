import type { types } from 'cassandra-driver';
import type { Statements } from './cassandra-statements.js';
import { nullableNumberOf } from './cassandra-values.js';
import type { CqlSession } from './cql-session.js';

/**
 * The checkpoint row of each log partition is the commit record of its batches. It only moves by
 * compare-and-set (a lightweight transaction) from the offset its writer found it at, so a writer
 * whose partition was taken over meanwhile — a rebalance, or a second writer on the same
 * partition — fails instead of checkpointing over the new owner's progress.
 */
export function createCheckpoints(
  cql: CqlSession,
  st: Statements,
  serialConsistency: types.consistencies,
) {
  const move = async (partition: number, from: number | null, to: number): Promise<void> => {
    const result =
      from === null
        ? await cql.execute(st.insertCheckpoint, [partition, to, new Date()])
        : await cql.execute(st.moveCheckpoint, [to, new Date(), partition, from]);
    if (!result.wasApplied()) throw concurrentWriter(partition);
  };

  return {
    /** Read at SERIAL consistency, so a compare-and-set left half-done by a crash is completed first. */
    async read(partition: number): Promise<number | null> {
      const rows = await cql.rows(st.readCheckpoint, [partition], {
        consistency: serialConsistency,
      });
      return nullableNumberOf(rows[0]?.get('next_offset'));
    },

    /** The commit point: the checkpoint moves from `from` (as its writer read it) to `to`. */
    move,

    /**
     * An operator's reset (EventStore.resetCheckpoint): the checkpoint moves to `nextOffset`, even
     * backwards. Processors are stopped meanwhile; one that is not fails at its next commit.
     */
    async reset(partition: number, nextOffset: number): Promise<void> {
      await move(partition, await this.read(partition), nextOffset);
    },
  };
}

export type Checkpoints = ReturnType<typeof createCheckpoints>;

function concurrentWriter(partition: number): Error {
  return new Error(
    `the checkpoint of log partition ${partition} changed during the commit: another processor is writing this partition`,
  );
}
