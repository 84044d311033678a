import type { Client } from 'cassandra-driver';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import {
  createCassandraClient,
  type CassandraOptions,
} from '../../src/store/cassandra/cassandra-options.js';
import { migrate } from '../../src/store/cassandra/cassandra-schema.js';
import { CassandraSettingsStore } from '../../src/store/cassandra/cassandra-settings-store.js';
import { SqliteSettingsStore } from '../../src/store/sqlite/sqlite-settings-store.js';
import { describeSettingsStoreContract } from './settings-store.contract.js';

const contactPoints = (process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const keyspace = `clickstream_settings_${randomBytes(5).toString('hex')}`;
const options: CassandraOptions = {
  contactPoints,
  localDataCenter: process.env.CLICKSTREAM_TEST_CASSANDRA_DC ?? 'datacenter1',
  keyspace,
  replication: 'SimpleStrategy:1',
  consistency: 'LOCAL_QUORUM',
  rawEventRetentionMs: 0,
};
let admin: Client | undefined;

afterAll(async () => {
  if (!admin) return;
  await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { prepare: false });
  await admin.shutdown();
});

describeSettingsStoreContract('SqliteSettingsStore', () =>
  Promise.resolve(
    SqliteSettingsStore.open(
      join(mkdtempSync(join(tmpdir(), 'clickstream-settings-')), 'settings.db'),
    ),
  ),
);

describeSettingsStoreContract('CassandraSettingsStore', async () => {
  admin = createCassandraClient(options);
  await admin.connect();
  // The settings tables come with the migrations, as `clickstream migrate` creates them.
  await migrate(admin, keyspace, options.replication);
  const client = createCassandraClient(options);
  await client.connect();
  return new CassandraSettingsStore(client, keyspace);
});
