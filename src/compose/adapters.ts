import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { SqliteLog } from '../event-log/sqlite/sqlite-log.js';
import type { AnalyticsReader } from '../ports/analytics-reader.js';
import type { EventLog } from '../ports/event-log.js';
import type { EventStore } from '../ports/event-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

/** The one place that chooses adapters. Everything else sees only the ports. */
export async function createEventLog(config: Config, logger: Logger): Promise<EventLog> {
  if (config.EVENT_LOG === 'kafka') throw new Error('EVENT_LOG=kafka is not available in this build');
  return new SqliteLog({
    path: join(config.DATA_DIR, 'event-log.db'),
    partitions: config.LOG_PARTITIONS,
    maxPendingBytes: config.LOG_MAX_PENDING_MB * 1024 * 1024,
    retentionMs: config.LOG_RETENTION_HOURS * 3_600_000,
    logger: logger.child({ component: 'sqlite-log' }),
  });
}

export async function createStore(config: Config, _logger: Logger): Promise<EventStore & AnalyticsReader> {
  if (config.STORE === 'cassandra') throw new Error('STORE=cassandra is not available in this build');
  return new SqliteStore({
    path: join(config.DATA_DIR, 'store.db'),
    rawEventRetentionMs: config.RAW_EVENT_RETENTION_DAYS * 86_400_000,
  });
}
