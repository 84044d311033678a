import {
  compatibilityPartitioner,
  ProduceAcks,
  Producer,
  stringSerializer,
} from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { OutgoingMessage } from './kafka-append-batcher.js';
import type { KafkaLogOptions, KafkaTuning } from './kafka-options.js';
import { baseClientOptions } from './kafka-options.js';

type EventProducer = Producer<Buffer, Buffer, string, string>;

/**
 * The durable write path: an idempotent producer with acks=all, so a send resolves only once every
 * in-sync replica has the records, and the client's own retries cannot duplicate them.
 *
 * After a send fails for good, the broker may or may not have written it, and the client has not
 * advanced its sequence numbers: the next, different batch would carry the same sequence range and
 * the broker could drop it as a "duplicate". So a failed producer is replaced by a fresh one, whose
 * new producer id starts a clean sequence. This is also how the log recovers by itself once Kafka
 * is back: the next send simply bootstraps again.
 */
export class DurableSender {
  private producer: EventProducer;

  constructor(
    private readonly options: KafkaLogOptions,
    private readonly tuning: KafkaTuning,
    private readonly logger: Logger,
  ) {
    this.producer = this.createProducer();
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    const producer = this.producer;
    try {
      await producer.send({ messages });
    } catch (error) {
      this.replace(producer, error);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.producer.close();
  }

  private replace(failed: EventProducer, error: unknown): void {
    if (this.producer !== failed) return;
    this.logger.warn(
      { err: error },
      'a produce request failed; starting a new idempotent producer',
    );
    this.producer = this.createProducer();
    failed
      .close()
      .catch((closeError: unknown) =>
        this.logger.debug({ err: closeError }, 'closing the failed producer failed'),
      );
  }

  private createProducer(): EventProducer {
    return new Producer<Buffer, Buffer, string, string>({
      ...baseClientOptions(this.options, this.tuning),
      // The client turns `retries` below 2 into "retry forever" for an idempotent producer; a
      // send must fail in bounded time so the batcher can answer and try a fresh producer.
      retries: Math.max(2, this.tuning.retries),
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: this.tuning.compression,
      // Java's partitioner (positive murmur2 of the key): Java clients and `kcat -X
      // partitioner=murmur2_random` place a visitor's events on the same partition as Clickstream.
      partitioner: compatibilityPartitioner,
      serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }
}
