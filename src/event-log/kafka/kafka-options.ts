import type { CompressionAlgorithmValue } from '@platformatic/kafka';
import type { Logger } from 'pino';

/** What the composition root gives a KafkaLog; every field comes from validated configuration. */
export interface KafkaLogOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  clientId: string;
  topic: string;
  dlqTopic: string;
  /** Partitions and replication factor of the topics when Clickstream has to create them. */
  partitions: number;
  replicationFactor: number;
  /** Bytes of appends queued or in flight before new ones are refused (LOG_OVERLOADED). */
  maxPendingBytes: number;
  logger: Logger;
  tuning?: Partial<KafkaTuning>;
}

/** Timings and sizes with production defaults; tests shorten them. */
export interface KafkaTuning {
  /**
   * Kafka's linger.ms: how long the first append of an idle log waits for others to share its
   * produce request. 0 sends it at the end of the current turn of the event loop. Under load the
   * batching comes from elsewhere: one request is in flight at a time, and everything appended
   * during its round trip goes in the next one, so batches grow with the load whatever this is.
   * A linger only trades an idle log's latency for fewer, fuller requests at low rates.
   */
  lingerMs: number;
  /** Most bytes in one produce request (the broker refuses record batches over message.max.bytes, ~1 MiB). */
  maxSendBytes: number;
  /** An append that is not acknowledged within this time is answered LOG_UNAVAILABLE. */
  appendTimeoutMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Retries of one request inside the client (the producer uses at least 2); idempotence keeps them duplicate-free. */
  retries: number;
  retryDelayMs: number;
  /** lz4 is implemented in WebAssembly by the client: no native addon, cheap on CPU. */
  compression: CompressionAlgorithmValue;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  /**
   * Kafka's fetch.max.wait.ms: how long the broker holds a fetch that has less than
   * `fetchMinBytes` to return.
   */
  fetchMaxWaitMs: number;
  /**
   * Kafka's fetch.min.bytes. Above 1, a consumer at the head of a quiet log gets its records in
   * batches (once this many bytes or `fetchMaxWaitMs` have passed) rather than one fetch per
   * record: one store commit per batch instead of per event. The embedded log's consumer lingers
   * the same way (SqliteLog's lingerMs).
   */
  fetchMinBytes: number;
  fetchMaxBytesPerPartition: number;
  fetchMaxBytes: number;
  /** Longest wait between retries of a failing batch or an unreachable broker. */
  maxRetryBackoffMs: number;
  /** Longest time close() waits for the group to be left before giving up. */
  closeTimeoutMs: number;
}

export const defaultTuning = {
  lingerMs: 0,
  maxSendBytes: 1_000_000,
  appendTimeoutMs: 5_000,
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  retries: 3,
  retryDelayMs: 250,
  compression: 'lz4',
  // A crashed processor's partitions wait this long before moving: short, but several heartbeats.
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  fetchMaxWaitMs: 200,
  fetchMinBytes: 65_536,
  fetchMaxBytesPerPartition: 1_048_576,
  fetchMaxBytes: 16 * 1_048_576,
  maxRetryBackoffMs: 30_000,
  closeTimeoutMs: 5_000,
} satisfies KafkaTuning;

export function resolveTuning(tuning: Partial<KafkaTuning> = {}): KafkaTuning {
  return { ...defaultTuning, ...tuning };
}

/** Client options shared by the producer, the consumers and the admin client. */
export function baseClientOptions(options: KafkaLogOptions, tuning: KafkaTuning) {
  return {
    clientId: options.clientId,
    bootstrapBrokers: [...options.brokers],
    connectTimeout: tuning.connectTimeoutMs,
    requestTimeout: tuning.requestTimeoutMs,
    retries: tuning.retries,
    retryDelay: tuning.retryDelayMs,
    autocreateTopics: false,
  };
}
