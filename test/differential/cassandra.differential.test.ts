import type { Client } from 'cassandra-driver';
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import {
  createCassandraClient,
  type CassandraOptions,
} from '../../src/store/cassandra/cassandra-options.js';
import { migrate } from '../../src/store/cassandra/cassandra-schema.js';
import { openCassandraStore } from '../../src/store/cassandra/cassandra-store.js';
import { describeDifferential, type DifferentialStore, type StoreFactory } from './harness.js';
import { describeSampledDifferential } from './sampling.js';

/**
 * The differential test of the general query against Cassandra, on the real engine: raw events
 * read back from events_by_site (and across the range's edges from events_by_visitor) and
 * aggregated by the scan engine. The sampled suite opens the store with a raw-row budget of 300,
 * so that its queries of about 2,000 events read a share of the visitor shards.
 */
const openStore: StoreFactory | null = freshStores((options) => openCassandraStore(options));
const openSampledStore: StoreFactory | null = freshStores((options) =>
  openCassandraStore({ ...options, queryRowBudget: 300 }),
);

const contactPoints = (process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const options: CassandraOptions = {
  contactPoints,
  localDataCenter: process.env.CLICKSTREAM_TEST_CASSANDRA_DC ?? 'datacenter1',
  keyspace: `clickstream_diff_${randomBytes(5).toString('hex')}`,
  replication: 'SimpleStrategy:1',
  consistency: 'LOCAL_QUORUM',
  // The events are from March and October 2026: a TTL would expire them before they are read.
  rawEventRetentionMs: 0,
};
let admin: Client | null = null;

/**
 * A factory of empty stores over one keyspace of this file: migrated on first use, every table
 * truncated before each event set (a fresh keyspace costs seconds of schema changes, a truncate
 * about 0.1 s a table), dropped at the end.
 */
export function freshStores(
  open: (options: CassandraOptions) => Promise<DifferentialStore>,
): StoreFactory {
  return async () => {
    if (admin === null) {
      const client = createCassandraClient(options);
      await client.connect();
      admin = client;
      await migrate(client, options.keyspace, options.replication);
    }
    const tables = await admin.execute(
      'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
      [options.keyspace],
      { prepare: true },
    );
    for (const row of tables.rows) {
      const table = String(row.get('table_name'));
      if (table !== 'schema_migrations')
        await admin.execute(`TRUNCATE ${options.keyspace}.${table}`, [], { prepare: false });
    }
    return open(options);
  };
}

afterAll(async () => {
  if (admin === null) return;
  await admin.execute(`DROP KEYSPACE IF EXISTS ${options.keyspace}`, [], { prepare: false });
  await admin.shutdown();
});

describeDifferential('CassandraStore', openStore, {
  runs: 25,
  queriesPerSet: 12,
  timeoutMs: 900_000,
});
describeSampledDifferential('CassandraStore', openSampledStore);
