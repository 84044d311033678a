import { Consumer } from '@platformatic/kafka';
import { ClickstreamError, isClickstreamError } from '../../domain/errors.js';
import type {
  AppendRecord,
  ConsumeOptions,
  EventLog,
  LogConsumer,
  LogRecord,
} from '../../ports/event-log.js';
import type { DeadLetterQueue } from '../../ports/dead-letters.js';
import { AppendBatcher } from './kafka-append-batcher.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { DLQ_HEADERS, KafkaDeadLetters } from './kafka-dead-letters.js';
import { logUnavailable } from './kafka-errors.js';
import type { KafkaLogOptions, KafkaTuning } from './kafka-options.js';
import { baseClientOptions, resolveTuning } from './kafka-options.js';
import { DurableSender } from './kafka-producer.js';
import { ensureTopics } from './kafka-topics.js';

/** Creates the topics when missing, then the log over them. */
export async function createKafkaLog(options: KafkaLogOptions): Promise<KafkaLog> {
  const partitions = await ensureTopics(options, resolveTuning(options.tuning));
  return new KafkaLog(options, partitions);
}

/**
 * The event log on Apache Kafka. Records are keyed by site and visitor, so Kafka's partitioner
 * keeps one visitor's events in order on one partition. An append resolves only once the in-sync
 * replicas have it (idempotent producer, acks=all); consumers are members of a consumer group that
 * commit offsets only after their handler resolved.
 */
export class KafkaLog implements EventLog {
  readonly partitions: number;
  private readonly tuning: KafkaTuning;
  private readonly sender: DurableSender;
  private readonly batcher: AppendBatcher;
  private readonly consumers = new Set<KafkaConsumer>();
  private closed = false;

  /** Does no I/O: use createKafkaLog to make sure the topics exist. */
  constructor(
    private readonly options: KafkaLogOptions,
    partitions = options.partitions,
  ) {
    this.partitions = partitions;
    this.tuning = resolveTuning(options.tuning);
    this.sender = new DurableSender(
      options,
      this.tuning,
      options.logger.child({ component: 'kafka-producer' }),
    );
    this.batcher = new AppendBatcher((messages) => this.sender.send(messages), {
      maxPendingBytes: options.maxPendingBytes,
      maxSendBytes: this.tuning.maxSendBytes,
      lingerMs: this.tuning.lingerMs,
      appendTimeoutMs: this.tuning.appendTimeoutMs,
    });
  }

  /** Bytes of appends waiting for Kafka (queued or in flight), for metrics and tests. */
  get pendingBytes(): number {
    return this.batcher.pendingBytes;
  }

  append(records: readonly AppendRecord[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new ClickstreamError('SHUTTING_DOWN', 'the event log is closing'));
    if (records.length === 0) return Promise.resolve();
    const topic = this.options.topic;
    return this.batcher.append(
      records.map((r) => ({ topic, key: Buffer.from(r.key), value: r.value })),
    );
  }

  async consume(options: ConsumeOptions): Promise<LogConsumer> {
    if (this.closed) throw new ClickstreamError('SHUTTING_DOWN', 'the event log is closing');
    const client = new Consumer({
      ...baseClientOptions(this.options, this.tuning),
      groupId: options.groupId,
      autocommit: false,
      sessionTimeout: this.tuning.sessionTimeoutMs,
      heartbeatInterval: this.tuning.heartbeatIntervalMs,
      rebalanceTimeout: this.tuning.rebalanceTimeoutMs,
      maxWaitTime: this.tuning.fetchMaxWaitMs,
      maxBytes: this.tuning.fetchMaxBytes,
    });
    const consumer = new KafkaConsumer(client, options, {
      topic: this.options.topic,
      tuning: this.tuning,
      logger: this.options.logger.child({ component: 'kafka-consumer', group: options.groupId }),
      onClose: () => this.consumers.delete(consumer),
    });
    try {
      await consumer.start();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw isClickstreamError(error)
        ? error
        : logUnavailable(error, 'could not join the Kafka consumer group');
    }
    this.consumers.add(consumer);
    return consumer;
  }

  /** Writes the record, unchanged, to the dead-letter topic with the reason in a header. */
  deadLetter(record: LogRecord, reason: string): Promise<void> {
    const headers = new Map<string, string>([
      [DLQ_HEADERS.reason, reason],
      [DLQ_HEADERS.topic, this.options.topic],
      [DLQ_HEADERS.partition, String(record.partition)],
      [DLQ_HEADERS.offset, String(record.offset)],
      [DLQ_HEADERS.timestamp, String(record.timestamp)],
    ]);
    const message = {
      topic: this.options.dlqTopic,
      key: Buffer.from(record.key),
      value: record.value,
      headers,
    };
    return this.batcher.append([message]);
  }

  /** The dead-letter topic, to list and replay parked records (clickstream dlq). */
  deadLetterQueue(): DeadLetterQueue {
    return new KafkaDeadLetters(this.options, this.tuning, (records) => this.append(records));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close()));
    // Every append is answered within appendTimeoutMs; a request still hanging after that (Kafka
    // unreachable) has nobody waiting for it and is abandoned by closing the producer.
    await Promise.race([this.batcher.drain(), delay(this.tuning.appendTimeoutMs)]);
    await this.sender.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
