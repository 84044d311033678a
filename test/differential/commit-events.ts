/**
 * Sends an event set to a store the way the processor does: records keyed by site:visitor land on
 * one of 4 log partitions; each partition's records are cut into micro-batches in arrival order
 * with consecutive offsets, committed with `nextOffset` as the checkpoint; partitions interleave.
 * Every record goes through the log's JSON codec, so the store sees what a decoded record holds.
 */
import { decodeEvent, encodeEvent, logKey } from '../../src/domain/event-codec.js';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import type { EventStore, StoreBatch } from '../../src/ports/event-store.js';
import type { EventSet } from './event-generators.js';

export const PARTITIONS = 4;

/** FNV-1a of the log key: any stable hash will do, the point is one visitor's events on one partition. */
function partitionOf(event: TrackedEvent): number {
  let hash = 0x811c9dc5;
  const key = logKey(event);
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % PARTITIONS;
}

function viaLog(event: TrackedEvent): TrackedEvent {
  const decoded = decodeEvent(encodeEvent(event));
  if (!decoded.ok)
    throw new Error(`the generator made an event the log would dead-letter: ${decoded.reason}`);
  return decoded.event;
}

/** The batches in the order they are committed (a replayed batch appears twice). */
export function batchesOf(set: EventSet): StoreBatch[] {
  const perPartition: StoreBatch[][] = Array.from({ length: PARTITIONS }, () => []);
  const records: TrackedEvent[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const event of set.arrivals) records[partitionOf(event)]!.push(viaLog(event));
  let c = 0;
  records.forEach((list, partition) => {
    let batch: TrackedEvent[] = [];
    let offset = 0;
    const flush = (): void => {
      if (batch.length > 0)
        perPartition[partition]!.push({ partition, nextOffset: offset, events: batch });
      batch = [];
    };
    for (const event of list) {
      // A retry is re-sent in a later batch than its first copy.
      if (batch.some((e) => e.event_id === event.event_id)) flush();
      batch.push(event);
      offset++;
      if (set.cuts[c++ % set.cuts.length]) flush();
    }
    flush();
  });
  const order: StoreBatch[] = [];
  for (let i = 0; ; i++) {
    const open = perPartition.filter((queue) => queue.length > 0);
    if (open.length === 0) break;
    const batch = open[set.interleave[i % set.interleave.length]! % open.length]!.shift()!;
    order.push(batch);
    if (set.replay === order.length - 1) order.push(batch);
  }
  return order;
}

/**
 * Commits every batch and checks what the store's commit contract promises on the way: a batch
 * stores exactly its first copies of event ids, a replay stores nothing, checkpoints end at each
 * partition's last offset. Returns problems (none when the store kept its promises).
 */
export async function commitEvents(store: EventStore, set: EventSet): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Set<string>();
  const committed = new Set<StoreBatch>();
  const last = new Map<number, number>();
  for (const batch of batchesOf(set)) {
    const replay = committed.has(batch);
    const fresh = replay
      ? 0
      : new Set(batch.events.map((e) => e.event_id).filter((id) => !seen.has(id))).size;
    const result = await store.commit(batch);
    if (result.stored !== fresh)
      problems.push(
        `commit of partition ${batch.partition} up to offset ${batch.nextOffset}${replay ? ' (replayed)' : ''} stored ${result.stored}, expected ${fresh}`,
      );
    for (const e of batch.events) seen.add(e.event_id);
    committed.add(batch);
    last.set(batch.partition, batch.nextOffset);
  }
  for (const [partition, offset] of last) {
    const checkpoint = await store.checkpoint(partition);
    if (checkpoint !== offset)
      problems.push(`checkpoint of partition ${partition} is ${checkpoint}, expected ${offset}`);
  }
  return problems;
}
