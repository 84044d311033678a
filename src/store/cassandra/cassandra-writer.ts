import type { DedupeWindow } from '../../domain/dedupe-window.js';
import type { CommitResult, StoreBatch } from '../../ports/event-store.js';
import type { Statements } from './cassandra-statements.js';
import type { CqlSession } from './cql-session.js';
import { createDedupeDigests } from './dedupe-digests.js';
import type { Checkpoints } from './partition-checkpoints.js';
import { createRawEventWriter } from './raw-event-writer.js';

/** What the processor owning a log partition keeps of it in memory while it owns it. */
interface OwnedPartition {
  /** The checkpoint as this writer last read or moved it. */
  nextOffset: number | null;
  window: DedupeWindow;
}

export const DEFAULT_DEDUPE_WINDOW_MS = 24 * 3_600_000;
/**
 * Commits a micro-batch exactly once without reading before it writes, in the manner of a Kafka
 * Streams state store: the processor that owns a log partition keeps what it needs in memory
 * (the checkpoint and the dedupe window of the ids it stored), loaded on the partition's first
 * commit after it was assigned and dropped when it is reassigned or a commit fails.
 *
 * A commit, in three steps, each only once the one before has landed in full:
 * 1. The events' rows: the raw-event tables, the site's days, the visitor's days. Written blind;
 *    every one of them is a fact keyed by the event (same key, same values on any rewrite).
 * 2. The ids: events_by_id and the window's digests (recent_ids). An id stored means its rows are.
 * 3. The commit point: the checkpoint moves by compare-and-set from the offset this writer found.
 * A crash, a timeout or a failure anywhere before 3 leaves rows that a replay writes again with the
 * same values; an event whose id landed in 2 is found by the replay's window (its digest is in
 * recent_ids) and exact lookup, and skipped, its rows being there already. A batch whose
 * checkpoint was reached is skipped whole.
 *
 * Fencing. A writer whose partition was reassigned while its commit was in flight cannot move the
 * checkpoint (step 3 compares), and whatever of its writes land later, in any order, rewrites
 * cells with the values they already hold: the log records are the same, the dedupe decisions are
 * the same (the first copy of an id in log order is kept), so there is no delta to overwrite. This
 * is what counters, sketches and session rows, read-modify-written before (issue 13), could not
 * promise; queries now read the raw events (raw-event-scan.ts, page-events.ts).
 */
export function createCassandraWriter(
  cql: CqlSession,
  st: Statements,
  checkpoints: Checkpoints,
  options: { retentionMs: number; dedupeWindowMs: number },
) {
  const raw = createRawEventWriter(cql, st, options.retentionMs);
  const digests = createDedupeDigests(cql, st, options.dedupeWindowMs);
  const owned = new Map<number, Promise<OwnedPartition>>();

  const load = async (partition: number): Promise<OwnedPartition> => ({
    nextOffset: await checkpoints.read(partition),
    window: await digests.restore(partition, Date.now()),
  });

  const ownedPartition = (partition: number): Promise<OwnedPartition> => {
    let state = owned.get(partition);
    if (!state) owned.set(partition, (state = load(partition)));
    return state;
  };

  const commit = async (batch: StoreBatch): Promise<CommitResult> => {
    const state = await ownedPartition(batch.partition);
    if (state.nextOffset !== null && state.nextOffset >= batch.nextOffset)
      return { stored: 0, duplicates: batch.events.length };
    const now = Date.now();
    const fresh = await raw.fresh(batch.events, state.window);
    const events = fresh.map((f) => f.event);
    await raw.write(events, now);
    await cql.writePartitions([
      ...raw.ids(events, batch.partition, now).map((s) => [s]),
      ...digests
        .statements(
          batch.partition,
          batch.nextOffset,
          fresh.map((f) => ({ digest: f.digest, receivedAt: f.event.received_at })),
        )
        .map((s) => [s]),
    ]);
    await checkpoints.move(batch.partition, state.nextOffset, batch.nextOffset);
    for (const f of fresh) state.window.add(f.digest, f.event.received_at);
    state.nextOffset = batch.nextOffset;
    return { stored: fresh.length, duplicates: batch.events.length - fresh.length };
  };

  return {
    async commit(batch: StoreBatch): Promise<CommitResult> {
      try {
        return await commit(batch);
      } catch (error) {
        // The next commit reloads the partition: someone else may have moved it meanwhile.
        owned.delete(batch.partition);
        throw error;
      }
    },

    /** The partition was (re)assigned, or its checkpoint was reset: load it again before writing. */
    forget(partition: number): void {
      owned.delete(partition);
    },
  };
}
