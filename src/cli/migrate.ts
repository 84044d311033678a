import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from '../config/load-config.js';
import {
  cassandraOptionsFrom,
  createCassandraClient,
} from '../store/cassandra/cassandra-options.js';
import {
  migrate,
  replicationMap,
  type MigrationReport,
} from '../store/cassandra/cassandra-schema.js';
import { awaitReplicas } from './cassandra-readiness.js';
import type { Command, CommandIo } from './command.js';
import { durationFlag, helpText, parseFlags, stringFlag, type FlagSpecs } from './flags.js';

export const MIGRATE_FLAGS = {
  json: { type: 'boolean', description: 'print the report as JSON' },
  wait: {
    type: 'string',
    placeholder: 'TIME',
    default: '5m',
    description: 'how long to wait for the nodes the replication needs (e.g. 30s, 10m)',
  },
  help: { type: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const USAGE = `Usage: clickstream migrate [--json] [--wait TIME]

Creates or updates the schema of the configured store: for STORE=cassandra the keyspace (with
CASSANDRA_REPLICATION) and its tables, versioned. Safe to run again. Run it once before starting
Clickstream against a new keyspace, and after upgrades; the store refuses to start on an older schema.
It first waits (up to --wait) until the cluster has the nodes CASSANDRA_REPLICATION needs (3 for
SimpleStrategy:3) and they agree on the schema, so it can run while a cluster is still forming.`;

/** Runs the migrations of the store the environment configures; resolves to the exit code. */
export async function runMigrate(
  argv: readonly string[],
  io: CommandIo,
  env: Record<string, string | undefined>,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(helpText(USAGE, MIGRATE_FLAGS));
    return 0;
  }
  const flags = parseFlags(argv, MIGRATE_FLAGS);
  const waitMs = durationFlag(
    'wait',
    stringFlag(flags, 'wait') ?? MIGRATE_FLAGS.wait.default,
    0,
    24 * 3_600_000,
  );
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`clickstream migrate: ${error.message}\n`);
    return 2;
  }
  if (config.STORE !== 'cassandra') {
    io.stdout.write(
      `STORE=${config.STORE}: the embedded store applies its migrations when it opens; nothing to do.\n`,
    );
    return 0;
  }
  const options = cassandraOptionsFrom(config);
  const client = createCassandraClient(options);
  try {
    await client.connect();
    await awaitReplicas(client, replicationMap(options.replication), {
      timeoutMs: waitMs,
      onWait: (missing) =>
        io.stderr.write(
          `clickstream migrate: waiting for the cluster (${missing}; CASSANDRA_REPLICATION=${options.replication})\n`,
        ),
    });
    const report = await migrate(client, options.keyspace, options.replication);
    io.stdout.write(
      flags.json === true
        ? `${JSON.stringify(report)}\n`
        : formatReport(report, options.contactPoints),
    );
    return 0;
  } finally {
    await client.shutdown();
  }
}

export function formatReport(report: MigrationReport, contactPoints: readonly string[]): string {
  const { class: strategy, ...factors } = report.replication;
  const replication = `${strategy} ${Object.entries(factors)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
  const lines = [
    `Cassandra ${contactPoints.join(',')}: keyspace ${report.keyspace} ${report.keyspaceAction} (${replication})`,
  ];
  if (report.keyspaceAction === 'altered') {
    lines.push(
      `Replication changed: run \`nodetool repair -full ${report.keyspace}\` on every node so existing data reaches its new replicas.`,
    );
  }
  lines.push(
    report.applied.length > 0
      ? `Applied migration${report.applied.length > 1 ? 's' : ''} ${report.applied.join(', ')}; schema version ${report.version}.`
      : `Schema already at version ${report.version}; nothing to apply.`,
  );
  return `${lines.join('\n')}\n`;
}

/** The `clickstream migrate` subcommand; the environment is read when it runs, not at import. */
export const migrateCommand: Command = (argv, io) => runMigrate(argv, io, process.env);

// Also runnable on its own: `npx tsx src/cli/migrate.ts`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CommandIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTty: process.stderr.isTTY === true,
    signal: new AbortController().signal,
  };
  migrateCommand(process.argv.slice(2), io).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(
        `clickstream migrate failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
