import type { Consumer, fetchV17 } from '@platformatic/kafka';
import { IS_CONTROL } from '@platformatic/kafka';
import type { LogRecord } from '../../ports/event-log.js';
import type { KafkaTuning } from './kafka-options.js';

export interface FetchedPartition {
  partition: number;
  /** Records at or after the requested position, in offset order. */
  records: LogRecord[];
  /** The offset after the last record batch returned, control batches included. */
  endOffset: number;
}

/**
 * One fetch round: the owned partitions are grouped by their leader and each leader is asked once
 * (held by the broker up to `fetchMaxWaitMs` while it has less than `fetchMinBytes` to return).
 */
export async function fetchPartitions(
  client: Consumer,
  topic: string,
  positions: ReadonlyMap<number, number>,
  tuning: KafkaTuning,
): Promise<FetchedPartition[]> {
  const metadata = await client.metadata({ topics: [topic] });
  const topicMetadata = metadata.topics.get(topic);
  if (!topicMetadata) throw new Error(`Kafka topic ${topic} is unknown`);
  const byLeader = new Map<number, fetchV17.FetchRequestPartition[]>();
  for (const [partition, position] of positions) {
    const leader = topicMetadata.partitions[partition]?.leader;
    if (leader === undefined || leader < 0) continue;
    const requests = byLeader.get(leader) ?? [];
    requests.push({
      partition,
      fetchOffset: BigInt(position),
      partitionMaxBytes: tuning.fetchMaxBytesPerPartition,
      currentLeaderEpoch: -1,
      lastFetchedEpoch: -1,
    });
    byLeader.set(leader, requests);
  }
  // Throwing sends the loop into its back-off instead of spinning while leaders are elected.
  if (byLeader.size === 0 && positions.size > 0)
    throw new Error(`no partition of ${topic} this member owns has a leader`);
  const responses = await Promise.all(
    [...byLeader].map(([node, partitions]) =>
      client.fetch({
        node,
        topics: [{ topicId: topicMetadata.id, partitions }],
        maxWaitTime: tuning.fetchMaxWaitMs,
        minBytes: tuning.fetchMinBytes,
        maxBytes: tuning.fetchMaxBytes,
      }),
    ),
  );
  const fetched: FetchedPartition[] = [];
  for (const response of responses) {
    for (const topicResponse of response.responses) {
      for (const partition of topicResponse.partitions) {
        const position = positions.get(partition.partitionIndex);
        if (position !== undefined) fetched.push(toRecords(partition, position));
      }
    }
  }
  return fetched;
}

/**
 * Kafka returns whole record batches, so the first may start before the requested offset; those
 * records were already handled. Control batches (transaction markers written by other producers)
 * carry no events but still move the position past them.
 */
function toRecords(response: fetchV17.FetchResponsePartition, position: number): FetchedPartition {
  const partition = response.partitionIndex;
  const records: LogRecord[] = [];
  let endOffset = position;
  for (const batch of response.records ?? []) {
    endOffset = Math.max(endOffset, Number(batch.firstOffset) + batch.lastOffsetDelta + 1);
    if (batch.attributes & IS_CONTROL) continue;
    for (const record of batch.records) {
      const offset = Number(batch.firstOffset + BigInt(record.offsetDelta));
      if (offset < position) continue;
      records.push({
        partition,
        offset,
        key: record.key?.toString('utf8') ?? '',
        value: record.value ?? Buffer.alloc(0),
        timestamp: Number(batch.firstTimestamp + record.timestampDelta),
      });
    }
  }
  return { partition, records, endOffset };
}
