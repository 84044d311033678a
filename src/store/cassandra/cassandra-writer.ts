import { CounterAccumulator, countEvents, sketchVisitors } from '../../domain/counters.js';
import { countSessionChanges } from '../../domain/sessions.js';
import type { CommitResult, StoreBatch } from '../../ports/event-store.js';
import { createAggregateWriter } from './aggregate-writer.js';
import type { Statements } from './cassandra-statements.js';
import type { CqlSession } from './cql-session.js';
import type { Checkpoints } from './partition-checkpoints.js';
import { createRawEventWriter } from './raw-event-writer.js';
import { createSessionWriter } from './session-writer.js';

/**
 * Commits a micro-batch exactly once, without counter columns and without one giant batch.
 *
 * Why not "all rows + checkpoint in one logged batch": a 5,000-event micro-batch changes thousands
 * of aggregate rows, far past the logged-batch limit (batch_size_fail_threshold, 50 KiB by
 * default). And why not "stamp each row with the batch's nextOffset and skip rows already at it":
 * a replay after a crash need not cut the log where the crashed attempt did (Kafka hands out what
 * has arrived by then), so offsets cannot tell which part of a row's value came from the crash.
 *
 * The scheme — attempts, stamps and a compare-and-set commit record:
 * 1. Every commit is an *attempt* with a random id. It starts with an LWT on the partition's
 *    checkpoint row, `pending_attempt = A IF pending_attempt = <as read>`. A pending attempt left
 *    by a crash (or a failed commit) is moved to `aborted_attempts` in the same LWT: it can never
 *    finish any more, because finishing is conditional on still being pending.
 * 2. Raw events are written with stamp (partition, A) in events_by_id. An id already stored by a
 *    finished attempt is a duplicate; one stored by an aborted attempt of this partition is not.
 * 3. Every aggregate row the attempt changes is owned by this log partition, read, and rewritten
 *    with absolute values: new = committed + delta, plus prev = committed and attempt = A, where
 *    "committed" is the row's values — or its prev values if its stamp is an aborted attempt.
 *    Sessions keep their previous state the same way; sketches merge idempotently (max).
 * 4. Only when every write above has landed, the commit point: one LWT sets next_offset, clears
 *    pending_attempt IF it is still A. From then on A's rows count, for readers too.
 * A crash anywhere before 4 leaves rows stamped A that every later reader and writer reads as their
 * prev values, so a replay — whatever its batch boundaries — adds its deltas once. A replay of a
 * batch whose checkpoint was reached is skipped whole. Readers treat pending and aborted attempts
 * alike (see cassandra-reader.ts). The aborted set grows by one id per failed commit.
 *
 * This relies on one writer per log partition (the processor owning it; a second one fails at its
 * next compare-and-set) and on the driver's client-side write timestamps, which order a failed
 * attempt's late writes before the retry's.
 */
export function createCassandraWriter(
  cql: CqlSession,
  st: Statements,
  checkpoints: Checkpoints,
  retentionMs: number,
) {
  const raw = createRawEventWriter(cql, st, retentionMs);
  const sessions = createSessionWriter(cql, st, retentionMs);
  const aggregates = createAggregateWriter(cql, st);

  return async (batch: StoreBatch): Promise<CommitResult> => {
    const state = await checkpoints.read(batch.partition);
    if (state.nextOffset !== null && state.nextOffset >= batch.nextOffset)
      return { stored: 0, duplicates: batch.events.length };
    const attempt = await checkpoints.begin(batch.partition, state);
    const now = Date.now();
    const fresh = await raw.fresh(batch.events, attempt);
    await raw.write(fresh, attempt, now);
    const counters = new CounterAccumulator();
    countEvents(fresh, counters);
    const sessionChanges = await sessions.changes(fresh, attempt);
    countSessionChanges(sessionChanges, counters);
    await allLanded([
      sessions.write(sessionChanges, attempt, now),
      aggregates.writeCounters(counters.deltas.values(), attempt),
      aggregates.writeSketches(sketchVisitors(fresh).values(), attempt),
    ]);
    await checkpoints.finish(attempt, batch.nextOffset);
    return { stored: fresh.length, duplicates: batch.events.length - fresh.length };
  };
}

/** Waits for every write, then fails with the first error: nothing keeps running after a failed commit. */
async function allLanded(writes: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
