import type { TrackedEvent } from '../domain/tracked-event.js';

/**
 * The write side of the store. Adapters: DuckDbStore (embedded) and CassandraStore.
 * Contract: a batch's raw events, the aggregates they change and the partition's checkpoint are
 * written together, so committing the same batch twice — a replay after a crash — changes nothing.
 */
export interface StoreBatch {
  partition: number;
  /** The log offset to resume from after this batch. */
  nextOffset: number;
  events: readonly TrackedEvent[];
}

export interface CommitResult {
  /** Events stored for the first time. */
  stored: number;
  /** Events skipped: their event_id was already stored, or the batch was already committed. */
  duplicates: number;
}

export interface EventStore {
  commit(batch: StoreBatch): Promise<CommitResult>;
  /** The offset to resume a partition from, or null when nothing was committed for it. */
  checkpoint(partition: number): Promise<number | null>;
  /**
   * An operator's repair, never the processor's: sets a partition's checkpoint, backwards too, after
   * the event log was recreated (its offsets began again below the checkpoint). Aggregates stay;
   * raw events already stored keep being recognised by event_id. Run with the processors stopped.
   */
  resetCheckpoint(partition: number, nextOffset: number): Promise<void>;
  /**
   * Privacy erasure: deletes one visitor's raw events and sessions in one site and answers how many
   * events went. Aggregates stay (anonymous counts). A later resend of an erased event_id is new.
   */
  eraseVisitor(siteId: string, visitorId: string): Promise<number>;
  close(): Promise<void>;
}
