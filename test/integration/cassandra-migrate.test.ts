import type { Client } from 'cassandra-driver';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrate } from '../../src/cli/migrate.js';
import type { CommandIo } from '../../src/cli/command.js';
import { loadConfig } from '../../src/config/load-config.js';
import {
  cassandraOptionsFrom,
  createCassandraClient,
} from '../../src/store/cassandra/cassandra-options.js';
import { currentReplication, SCHEMA_VERSION } from '../../src/store/cassandra/cassandra-schema.js';
import { openCassandraStore } from '../../src/store/cassandra/cassandra-store.js';

const contactPoints = process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042';
const localDc = process.env.CLICKSTREAM_TEST_CASSANDRA_DC ?? 'datacenter1';
const keyspace = `clickstream_test_${randomBytes(5).toString('hex')}`;
const env = {
  STORE: 'cassandra',
  CASSANDRA_CONTACT_POINTS: contactPoints,
  CASSANDRA_LOCAL_DC: localDc,
  CASSANDRA_KEYSPACE: keyspace,
  CASSANDRA_REPLICATION: 'SimpleStrategy:1',
  CASSANDRA_CONSISTENCY: 'ONE',
};

async function migrateWith(overrides: Record<string, string> = {}, argv: string[] = []) {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stderrIsTty: false,
    signal: new AbortController().signal,
  };
  const code = await runMigrate(argv, io, { ...env, ...overrides });
  return { code, stdout, stderr };
}

describe('clickstream migrate (Cassandra)', { timeout: 60_000 }, () => {
  let admin: Client;
  beforeAll(async () => {
    const client = createCassandraClient(cassandraOptionsFrom(loadConfig(env)));
    await client.connect();
    admin = client;
  });
  afterAll(async () => {
    if (!admin) return;
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { prepare: false });
    await admin.shutdown();
  });

  it('waits for the nodes the replication needs, and gives up naming them without creating anything', async () => {
    // One node here: a keyspace at RF 3 and LOCAL_QUORUM could be created but never used. This is
    // what docker compose's cluster profile did when migrate started after the first node only.
    const started = Date.now();
    const outcome = migrateWith(
      { CASSANDRA_REPLICATION: 'SimpleStrategy:3', CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM' },
      ['--wait', '3s'],
    );
    await expect(outcome.then(() => 'migrated')).rejects.toThrow(
      /1 of 3 nodes up.*start the missing nodes/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(await currentReplication(admin, keyspace)).toBeNull();
  });

  it('will not open a store on a keyspace that was never migrated', async () => {
    await expect(openCassandraStore(cassandraOptionsFrom(loadConfig(env)))).rejects.toThrow(
      /schema version 0.*migrate/,
    );
  });

  it('creates the keyspace with the configured replication and the tables, and records the version', async () => {
    const first = await migrateWith();
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(
      `keyspace ${keyspace} created (SimpleStrategy replication_factor=1)`,
    );
    expect(first.stdout).toContain(
      `Applied migrations 1, 2, 3, 4, 5; schema version ${SCHEMA_VERSION}.`,
    );
    expect(await currentReplication(admin, keyspace)).toEqual({
      class: 'SimpleStrategy',
      replication_factor: '1',
    });
    const versions = await admin.execute(
      `SELECT version, applied_at FROM ${keyspace}.schema_migrations`,
    );
    expect(versions.rows.map((r) => r.get('version')).sort()).toEqual([1, 2, 3, 4, 5]);
    const tables = await admin.execute(
      'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
      [keyspace],
      { prepare: true },
    );
    expect(tables.rows.map((r) => r.get('table_name')).sort()).toEqual([
      'checkpoints',
      'events_by_id',
      'events_by_page',
      'events_by_site',
      'events_by_visitor',
      'recent_ids',
      'schema_migrations',
      'settings_by_id',
      'settings_by_site',
      'site_days',
      'sites',
      'visitor_days',
    ]);
  });

  it('is safe to run again: nothing to apply, the version recorded once, the store opens', async () => {
    const second = await migrateWith({}, ['--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      keyspace,
      keyspaceAction: 'unchanged',
      replication: { class: 'SimpleStrategy', replication_factor: '1' },
      applied: [],
      version: SCHEMA_VERSION,
    });
    const versions = await admin.execute(`SELECT version FROM ${keyspace}.schema_migrations`);
    expect(versions.rowLength).toBe(5);
    const store = await openCassandraStore(cassandraOptionsFrom(loadConfig(env)));
    await store.ping();
    expect(await store.checkpoint(0)).toBeNull();
    await store.close();
  });

  it('brings an existing keyspace to a new replication setting and says a repair is due', async () => {
    const result = await migrateWith({
      CASSANDRA_REPLICATION: `NetworkTopologyStrategy:${localDc}=1`,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `keyspace ${keyspace} altered (NetworkTopologyStrategy ${localDc}=1)`,
    );
    expect(result.stdout).toContain('nodetool repair');
    expect(await currentReplication(admin, keyspace)).toEqual({
      class: 'NetworkTopologyStrategy',
      [localDc]: '1',
    });
  });

  it('does nothing for the embedded store, and names a bad setting', async () => {
    expect(await migrateWith({ STORE: 'sqlite' })).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('nothing to do'),
    });
    const bad = await migrateWith({ CASSANDRA_REPLICATION: 'EverywhereStrategy' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CASSANDRA_REPLICATION');
  });

  it('runs as its own script: npx tsx src/cli/migrate.ts', async () => {
    const { stdout } = await promisify(execFile)('node_modules/.bin/tsx', ['src/cli/migrate.ts'], {
      env: {
        ...process.env,
        ...env,
        CASSANDRA_REPLICATION: `NetworkTopologyStrategy:${localDc}=1`,
      },
      timeout: 30_000,
    });
    expect(stdout).toContain(`keyspace ${keyspace} unchanged`);
    expect(stdout).toContain(`Schema already at version ${SCHEMA_VERSION}; nothing to apply.`);
  });
});
