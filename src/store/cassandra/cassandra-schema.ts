import { types, type Client } from 'cassandra-driver';
import { checkKeyspaceName } from './cassandra-options.js';
import { settingsTables } from './cassandra-settings-store.js';
import { tablesV1, tablesV3, tablesV4, tablesV5 } from './cassandra-tables.js';
import { numberOf, textOf } from './cassandra-values.js';

/**
 * Versioned migrations of the Cassandra store. Each statement is idempotent (IF [NOT] EXISTS), so a
 * migration cut short is simply run again; a version is recorded in schema_migrations only once
 * all its statements are in and the cluster agrees on the schema. Run them from one place (the
 * `migrate` command): concurrent DDL from several processes can leave nodes disagreeing.
 */
interface Migration {
  version: number;
  description: string;
  statements: (keyspace: string) => string[];
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'raw events, counters, sketches, sessions, checkpoints',
    statements: tablesV1,
  },
  { version: 2, description: 'settings: goals, funnels, shared links', statements: settingsTables },
  {
    version: 3,
    description: 'raw events by site and day for the general query',
    statements: tablesV3,
  },
  {
    version: 4,
    description: 'dedupe window digests per log partition (the writer reads nothing per event)',
    statements: tablesV4,
  },
  {
    version: 5,
    description:
      'drop the aggregate tables no longer written or read (counters, sketches, sessions)',
    statements: tablesV5,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

export interface MigrationReport {
  keyspace: string;
  keyspaceAction: 'created' | 'altered' | 'unchanged';
  replication: Record<string, string>;
  /** Versions applied by this run; empty when the schema was already current. */
  applied: number[];
  version: number;
}

const SCHEMA_AGREEMENT_TIMEOUT_MS = 60_000;
const LOCATOR_PREFIX = 'org.apache.cassandra.locator.';

/** `SimpleStrategy:3` or `NetworkTopologyStrategy:dc1=3:dc2=3` as a CQL replication map. */
export function replicationMap(setting: string): Record<string, string> {
  const [strategy, ...parts] = setting.split(':');
  if (strategy === 'SimpleStrategy' && parts.length === 1 && /^\d+$/.test(parts[0]!)) {
    return { class: 'SimpleStrategy', replication_factor: parts[0]! };
  }
  if (strategy === 'NetworkTopologyStrategy' && parts.length > 0) {
    const map: Record<string, string> = { class: 'NetworkTopologyStrategy' };
    for (const part of parts) {
      const match = /^([A-Za-z0-9_-]+)=(\d+)$/.exec(part);
      if (!match)
        throw new Error(
          `invalid replication ${JSON.stringify(setting)}: expected dc=N, got ${JSON.stringify(part)}`,
        );
      map[match[1]!] = match[2]!;
    }
    return map;
  }
  throw new Error(
    `invalid replication ${JSON.stringify(setting)}: expected SimpleStrategy:N or NetworkTopologyStrategy:dc=N[:dc=N]`,
  );
}

export async function migrate(
  client: Client,
  keyspace: string,
  replication: string,
): Promise<MigrationReport> {
  const ks = checkKeyspaceName(keyspace);
  const wanted = replicationMap(replication);
  const keyspaceAction = await ensureKeyspace(client, ks, wanted);
  await ddl(
    client,
    `CREATE TABLE IF NOT EXISTS ${ks}.schema_migrations (version int PRIMARY KEY, description text, applied_at timestamp)`,
  );
  const done = await appliedVersions(client, ks);
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements(ks)) await ddl(client, statement);
    await client.execute(
      `INSERT INTO ${ks}.schema_migrations (version, description, applied_at) VALUES (?, ?, ?)`,
      [migration.version, migration.description, new Date()],
      { prepare: true },
    );
    applied.push(migration.version);
  }
  return {
    keyspace: ks,
    keyspaceAction,
    replication: wanted,
    applied,
    version: Math.max(0, ...done, ...applied),
  };
}

/** The schema version in place, 0 when the keyspace or the migrations table is missing. */
export async function schemaVersion(client: Client, keyspace: string): Promise<number> {
  const ks = checkKeyspaceName(keyspace);
  try {
    const versions = await appliedVersions(client, ks);
    return Math.max(0, ...versions);
  } catch (error) {
    if (
      error instanceof Error &&
      'code' in error &&
      error.code === types.responseErrorCodes.invalid
    )
      return 0;
    throw error;
  }
}

async function appliedVersions(client: Client, ks: string): Promise<Set<number>> {
  const result = await client.execute(`SELECT version FROM ${ks}.schema_migrations`, [], {
    prepare: true,
  });
  return new Set(result.rows.map((row) => numberOf(row.get('version'))));
}

/**
 * Creates the keyspace, or brings an existing one to the configured replication. Changing the
 * replication of a keyspace with data needs a `nodetool repair` afterwards; the report says so.
 */
async function ensureKeyspace(
  client: Client,
  ks: string,
  wanted: Record<string, string>,
): Promise<MigrationReport['keyspaceAction']> {
  const current = await currentReplication(client, ks);
  const map = Object.entries(wanted)
    .map(([k, v]) => `'${k}': '${v}'`)
    .join(', ');
  if (current === null) {
    await ddl(
      client,
      `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = { ${map} } AND durable_writes = true`,
    );
    return 'created';
  }
  if (sameReplication(current, wanted)) return 'unchanged';
  await ddl(client, `ALTER KEYSPACE ${ks} WITH replication = { ${map} }`);
  return 'altered';
}

export async function currentReplication(
  client: Client,
  ks: string,
): Promise<Record<string, string> | null> {
  const result = await client.execute(
    'SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?',
    [ks],
    { prepare: true },
  );
  const row = result.first() as types.Row | null;
  if (!row) return null;
  const replication = row.get('replication') as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(replication).map(([k, v]) => [k, textOf(v).replace(LOCATOR_PREFIX, '')]),
  );
}

function sameReplication(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/**
 * Runs a schema change (DDL is not prepared: it runs once) and waits until every node agrees on the new schema: the driver waits up
 * to 10 s by itself; a slow cluster gets a minute more before the migration gives up.
 */
async function ddl(client: Client, statement: string): Promise<void> {
  const result = await client.execute(statement, [], { prepare: false });
  const info = result.info as { isSchemaInAgreement?: boolean };
  if (info.isSchemaInAgreement === false) await awaitSchemaAgreement(client);
}

async function awaitSchemaAgreement(client: Client): Promise<void> {
  const deadline = Date.now() + SCHEMA_AGREEMENT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const local = await client.execute('SELECT schema_version FROM system.local', [], {
      prepare: true,
    });
    const peers = await client.execute('SELECT schema_version FROM system.peers', [], {
      prepare: true,
    });
    const versions = new Set(
      [...local.rows, ...peers.rows].map((row) => String(row.get('schema_version'))),
    );
    if (versions.size <= 1) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    'the Cassandra nodes do not agree on the schema; check that all nodes are up, then run migrate again',
  );
}
