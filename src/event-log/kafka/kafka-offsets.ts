import type { Consumer } from '@platformatic/kafka';
import { ListOffsetTimestamps } from '@platformatic/kafka';
import type { ConsumeOptions } from '../../ports/event-log.js';

export type OffsetKind = 'earliest' | 'latest';

/** The earliest offset still in the log, or the offset the next appended record will get. */
export async function listOffsets(
  client: Consumer,
  topic: string,
  partitions: readonly number[],
  kind: OffsetKind,
): Promise<Map<number, number>> {
  const result = new Map<number, number>();
  if (partitions.length === 0) return result;
  const listed = await client.listOffsets({
    topics: [topic],
    partitions: { [topic]: [...partitions] },
    timestamp: kind === 'earliest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
  });
  const offsets = listed.get(topic) ?? [];
  for (const p of partitions) {
    const offset = offsets[p];
    if (offset !== undefined && offset >= 0n) result.set(p, Number(offset));
  }
  return result;
}

/**
 * Where each newly assigned partition starts: the store's checkpoint when it has one (it was
 * written atomically with the aggregates, so it is the truth), else the group's committed offset,
 * else the earliest record (or the end of the log for live views).
 */
export async function startOffsets(
  client: Consumer,
  topic: string,
  partitions: readonly number[],
  options: ConsumeOptions,
): Promise<Map<number, number>> {
  const starts = new Map<number, number>();
  for (const p of partitions) {
    const resume = await options.resumeFrom(p);
    if (resume !== null) starts.set(p, resume);
  }
  const uncheckpointed = partitions.filter((p) => !starts.has(p));
  if (uncheckpointed.length === 0) return starts;
  const committed = await client.listCommittedOffsets({
    topics: [{ topic, partitions: uncheckpointed }],
  });
  const groupOffsets = committed.get(topic) ?? [];
  for (const p of uncheckpointed) {
    const offset = groupOffsets[p];
    if (offset !== undefined && offset >= 0n) starts.set(p, Number(offset));
  }
  const fresh = partitions.filter((p) => !starts.has(p));
  const fallback = await listOffsets(client, topic, fresh, options.startAt ?? 'earliest');
  for (const [p, offset] of fallback) starts.set(p, offset);
  return starts;
}
