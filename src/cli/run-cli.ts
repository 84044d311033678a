import { checkpointsCommand } from './checkpoints.js';
import type { Command, CommandIo } from './command.js';
import { dlqCommand } from './dlq.js';
import { UsageError } from './flags.js';
import { loadgenCommand } from './loadgen/index.js';
import { migrateCommand } from './migrate.js';
import { verifyLedgerCommand } from './verify/index.js';

/** Subcommands by name; each parses its own flags. */
const COMMANDS: Record<string, { run: Command; summary: string }> = {
  checkpoints: {
    run: checkpointsCommand,
    summary: "list, or reset after the event log was recreated, the store's checkpoints",
  },
  dlq: {
    run: dlqCommand,
    summary: 'list the records the processor parked, or replay them into the event log',
  },
  loadgen: {
    run: loadgenCommand,
    summary: 'send realistic clickstream traffic and report what was acknowledged',
  },
  migrate: {
    run: migrateCommand,
    summary: 'create or update the store schema (Cassandra keyspace and tables)',
  },
  'verify-ledger': {
    run: verifyLedgerCommand,
    summary: 'prove every event in a loadgen ledger is stored exactly once',
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return `Usage: clickstream <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun "clickstream <command> --help" for a command's options.\n`;
}

/** Runs the CLI; resolves to the exit code: 0 success, 1 the command found a problem, 2 a usage error. */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`clickstream: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(
        `clickstream ${name}: ${error.message}\nRun "clickstream ${name} --help" for the options.\n`,
      );
      return error.exitCode;
    }
    io.stderr.write(
      `clickstream ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}
