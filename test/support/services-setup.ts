import { ensureServices } from '../../services/index.js';

/**
 * `npm test` needs real Kafka and Cassandra for their contract and end-to-end suites. When they
 * are not already running (CI starts them in .ci/run; a developer may have run
 * `npm run services -- up`), this starts them on loopback from the cached Maven downloads and
 * leaves them running for the next run. CLICKSTREAM_TEST_SERVICES=off skips it: the suites that
 * need the services then fail loudly instead of being skipped.
 */
export default async function setup(): Promise<void> {
  if (process.env.CLICKSTREAM_TEST_SERVICES === 'off') return;
  const endpoints = await ensureServices({ kafka: true, cassandra: true });
  process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ??= endpoints.kafkaBrokers.join(',');
  process.env.CLICKSTREAM_TEST_CASSANDRA ??= endpoints.cassandraContactPoints.join(',');
  // The JMX exporter of every broker and node (test/deploy/monitoring.test.ts scrapes them).
  process.env.CLICKSTREAM_TEST_KAFKA_METRICS ??= endpoints.kafkaMetrics.join(',');
  process.env.CLICKSTREAM_TEST_CASSANDRA_METRICS ??= endpoints.cassandraMetrics.join(',');
}
