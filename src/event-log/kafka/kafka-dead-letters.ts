import { Consumer, IS_CONTROL, type KafkaRecord } from '@platformatic/kafka';
import type { DeadLetter, DeadLetterQueue } from '../../ports/dead-letters.js';
import type { AppendRecord } from '../../ports/event-log.js';
import { listOffsets } from './kafka-offsets.js';
import type { KafkaLogOptions, KafkaTuning } from './kafka-options.js';
import { baseClientOptions } from './kafka-options.js';

/** Headers of a dead-lettered record: why it was parked and where it came from. */
export const DLQ_HEADERS = {
  reason: 'clickstream-dlq-reason',
  topic: 'clickstream-source-topic',
  partition: 'clickstream-source-partition',
  offset: 'clickstream-source-offset',
  timestamp: 'clickstream-source-timestamp',
} as const;

interface Parked extends DeadLetter {
  dlqPartition: number;
  dlqOffset: number;
}

/**
 * Kafka's dead-letter topic as a queue for a person. What has been replayed is the committed offset
 * of a consumer group of its own (`<client id>.dlq-replay.<topic>`) on the dead-letter topic: pending is
 * everything after it. A replay appends the records to the event topic (acks=all) and only then
 * commits the group past them.
 */
export class KafkaDeadLetters implements DeadLetterQueue {
  private readonly client: Consumer;

  constructor(
    private readonly options: KafkaLogOptions,
    private readonly tuning: KafkaTuning,
    private readonly append: (records: readonly AppendRecord[]) => Promise<void>,
  ) {
    this.client = new Consumer({
      ...baseClientOptions(options, tuning),
      groupId: `${options.clientId}.dlq-replay.${options.dlqTopic}`,
      autocommit: false,
      sessionTimeout: tuning.sessionTimeoutMs,
      heartbeatInterval: tuning.heartbeatIntervalMs,
      rebalanceTimeout: tuning.rebalanceTimeoutMs,
    });
  }

  async pending(limit: number): Promise<DeadLetter[]> {
    const { records } = await this.read(limit);
    return records.map(({ dlqPartition: _p, dlqOffset: _o, ...letter }) => letter);
  }

  async replay(): Promise<number> {
    const { records, ends } = await this.read(Number.POSITIVE_INFINITY);
    if (records.length === 0) return 0;
    await this.append(records.map((r) => ({ key: r.key, value: r.value })));
    // Committing needs group membership (OffsetCommit checks the member): join, commit, leave.
    const topic = this.options.dlqTopic;
    this.client.topics.track(topic);
    await this.client.joinGroup({});
    await this.client.commit({
      offsets: [...ends].map(([partition, offset]) => ({
        topic,
        partition,
        offset: BigInt(offset),
        leaderEpoch: -1,
      })),
    });
    return records.length;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** Pending records (after the group's committed offset, before the end as it is now), oldest first. */
  private async read(limit: number): Promise<{ records: Parked[]; ends: Map<number, number> }> {
    const topic = this.options.dlqTopic;
    const metadata = await this.client.metadata({ topics: [topic] });
    const described = metadata.topics.get(topic);
    if (!described) throw new Error(`Kafka topic ${topic} is unknown`);
    const partitions = described.partitions.map((_, index) => index);
    const [earliest, ends, committed] = await Promise.all([
      listOffsets(this.client, topic, partitions, 'earliest'),
      listOffsets(this.client, topic, partitions, 'latest'),
      this.client.listCommittedOffsets({ topics: [{ topic, partitions }] }),
    ]);
    const records: Parked[] = [];
    for (const partition of partitions) {
      const from = Math.max(
        Number(committed.get(topic)?.[partition] ?? -1n),
        earliest.get(partition) ?? 0,
      );
      const end = ends.get(partition) ?? 0;
      let position = from;
      while (position < end && records.length < limit) {
        const leader = described.partitions[partition]!.leader;
        const response = await this.client.fetch({
          node: leader,
          topics: [
            {
              topicId: described.id,
              partitions: [
                {
                  partition,
                  fetchOffset: BigInt(position),
                  partitionMaxBytes: this.tuning.fetchMaxBytesPerPartition,
                  currentLeaderEpoch: -1,
                  lastFetchedEpoch: -1,
                },
              ],
            },
          ],
          maxWaitTime: 0,
          minBytes: 1,
          maxBytes: this.tuning.fetchMaxBytes,
        });
        const next = position;
        for (const batch of response.responses[0]?.partitions[0]?.records ?? []) {
          position = Math.max(position, Number(batch.firstOffset) + batch.lastOffsetDelta + 1);
          if (batch.attributes & IS_CONTROL) continue;
          for (const record of batch.records) {
            const offset = Number(batch.firstOffset + BigInt(record.offsetDelta));
            if (offset >= next && offset < end)
              records.push(
                parked(
                  record,
                  partition,
                  offset,
                  Number(batch.firstTimestamp + record.timestampDelta),
                ),
              );
          }
        }
        if (position === next)
          throw new Error(`no progress reading ${topic}[${partition}] at offset ${position}`);
      }
    }
    records.sort((a, b) => a.parkedAt - b.parkedAt);
    return { records: records.slice(0, limit), ends };
  }
}

function parked(
  record: KafkaRecord,
  dlqPartition: number,
  dlqOffset: number,
  timestamp: number,
): Parked {
  const headers = new Map(
    record.headers.map(([k, v]) => [k?.toString() ?? '', v?.toString() ?? '']),
  );
  return {
    dlqPartition,
    dlqOffset,
    partition: Number(headers.get(DLQ_HEADERS.partition) ?? -1),
    offset: Number(headers.get(DLQ_HEADERS.offset) ?? -1),
    key: record.key?.toString('utf8') ?? '',
    value: record.value ?? Buffer.alloc(0),
    reason: headers.get(DLQ_HEADERS.reason) ?? '',
    parkedAt: timestamp,
  };
}
