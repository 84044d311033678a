import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { runMigrate } from '../../src/cli/migrate.js';
import { tempDataDir } from '../support/server-process.js';
import { describePipelineE2E } from './pipeline.e2e.js';

/**
 * The same end-to-end suite as the embedded one, on real Kafka and Cassandra (started by the
 * services global setup). Each test gets its own topic, consumer group and keyspace.
 */
describePipelineE2E(
  'scaled (Kafka log, Cassandra store)',
  async () => {
    const id = randomUUID().replaceAll('-', '').slice(0, 10);
    const env = {
      DATA_DIR: tempDataDir(),
      EVENT_LOG: 'kafka',
      STORE: 'cassandra',
      KAFKA_BROKERS: process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKA_TOPIC: `clickstream.e2e.${id}`,
      KAFKA_DLQ_TOPIC: `clickstream.e2e.${id}.dlq`,
      KAFKA_TOPIC_PARTITIONS: '3',
      PROCESSOR_GROUP_ID: `clickstream-e2e-${id}`,
      CASSANDRA_CONTACT_POINTS: process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042',
      CASSANDRA_KEYSPACE: `e2e_${id}`,
      CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM',
    };
    const output: string[] = [];
    const io = {
      stdout: { write: (t: string) => output.push(t) },
      stderr: { write: (t: string) => output.push(t) },
      stderrIsTty: false,
      signal: new AbortController().signal,
    };
    expect(await runMigrate([], io, env), output.join('')).toBe(0);
    return env;
  },
  240_000,
);
