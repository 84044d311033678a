import { Admin } from '@platformatic/kafka';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll } from 'vitest';
import { createKafkaLog, type KafkaLog } from '../../src/event-log/kafka/kafka-log.js';
import type { KafkaLogOptions } from '../../src/event-log/kafka/kafka-options.js';
import { describeEventLogContract } from './event-log.contract.js';

const brokers = (process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const created: string[] = [];

afterAll(async () => {
  if (created.length === 0) return;
  const admin = new Admin({ clientId: 'clickstream-test-cleanup', bootstrapBrokers: brokers });
  try {
    await admin.deleteTopics({ topics: created });
  } finally {
    await admin.close();
  }
});

describeEventLogContract('KafkaLog', async () => {
  const run = randomUUID().slice(0, 8);
  const options: KafkaLogOptions = {
    brokers,
    clientId: 'clickstream-test',
    topic: `clickstream.test.${run}`,
    dlqTopic: `clickstream.test.${run}.dlq`,
    partitions: 4,
    replicationFactor: 1,
    maxPendingBytes: 16 * 1024 * 1024,
    logger: pino({ level: process.env.CLICKSTREAM_TEST_LOG_LEVEL ?? 'silent' }),
    tuning: {
      heartbeatIntervalMs: 500,
      sessionTimeoutMs: 10_000,
      fetchMaxWaitMs: 100,
      closeTimeoutMs: 5_000,
    },
  };
  created.push(options.topic, options.dlqTopic);
  return {
    open: () => createKafkaLog(options),
    groupId: (name) => `clickstream-test-${run}-${name}`,
    deadLetters: (log) => (log as KafkaLog).deadLetterQueue(),
  };
});
