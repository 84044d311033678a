import { Admin } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { hasProtocolError } from './kafka-errors.js';
import type { KafkaLogOptions, KafkaTuning } from './kafka-options.js';
import { baseClientOptions } from './kafka-options.js';

/** The dead-letter topic is low-volume; one partition keeps it in the order records failed. */
const DLQ_PARTITIONS = 1;
/** Dead letters wait for a person to look at them: keep them a month, longer than the events. */
const DLQ_RETENTION_MS = 30 * 86_400_000;
const LEADER_WAIT_MS = 15_000;

/**
 * Creates the event topic and its dead-letter topic when missing and returns the event topic's
 * partition count. An existing topic is used as it is: its partition count decides where keys
 * land, so Clickstream never changes it.
 */
export async function ensureTopics(options: KafkaLogOptions, tuning: KafkaTuning): Promise<number> {
  const admin = new Admin(baseClientOptions(options, tuning));
  try {
    const existing = new Set(await admin.listTopics());
    const configs = topicConfigs(options.replicationFactor);
    if (!existing.has(options.topic)) {
      await createTopic(
        admin,
        options.topic,
        options.partitions,
        options.replicationFactor,
        configs,
        options.logger,
      );
    }
    if (!existing.has(options.dlqTopic)) {
      const dlqConfigs = [...configs, { name: 'retention.ms', value: String(DLQ_RETENTION_MS) }];
      await createTopic(
        admin,
        options.dlqTopic,
        DLQ_PARTITIONS,
        options.replicationFactor,
        dlqConfigs,
        options.logger,
      );
    }
    const partitions = await waitForLeaders(admin, options.topic);
    await waitForLeaders(admin, options.dlqTopic);
    if (partitions !== options.partitions) {
      options.logger.info(
        { topic: options.topic, partitions },
        'using the existing topic with its own partition count',
      );
    }
    return partitions;
  } finally {
    await admin.close();
  }
}

/**
 * acks=all is only as strong as min.insync.replicas: with 3 replicas, 2 must have a record before
 * it is acknowledged, so one broker can fail without losing acknowledged events or blocking writes.
 */
function topicConfigs(replicationFactor: number): Array<{ name: string; value: string }> {
  const minInsync = Math.max(1, Math.min(2, replicationFactor - 1));
  return [{ name: 'min.insync.replicas', value: String(minInsync) }];
}

async function createTopic(
  admin: Admin,
  topic: string,
  partitions: number,
  replicas: number,
  configs: Array<{ name: string; value: string }>,
  logger: Logger,
): Promise<void> {
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas, configs });
    logger.info({ topic, partitions, replicas }, 'created the topic');
  } catch (error) {
    // Another process starting at the same time created it first: that is the wanted outcome.
    if (hasProtocolError(error, 'TOPIC_ALREADY_EXISTS')) return;
    throw new Error(
      `could not create Kafka topic ${topic} (${partitions} partitions, replication ${replicas})`,
      { cause: error },
    );
  }
}

/** Topic creation is asynchronous in Kafka: wait until every partition has a leader to write to. */
async function waitForLeaders(admin: Admin, topic: string): Promise<number> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const partitions = metadata.topics.get(topic)?.partitions ?? [];
    if (partitions.length > 0 && partitions.every((p) => p !== undefined && p.leader >= 0))
      return partitions.length;
    if (Date.now() > deadline)
      throw new Error(
        `Kafka topic ${topic} has no leader for every partition after ${LEADER_WAIT_MS} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
