import { createDeadLetterQueue } from '../compose/adapters.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import type { DeadLetter } from '../ports/dead-letters.js';
import type { Command, CommandIo } from './command.js';
import {
  helpText,
  integerFlag,
  parseFlags,
  stringFlag,
  UsageError,
  type FlagSpecs,
} from './flags.js';

export const DLQ_FLAGS = {
  limit: {
    type: 'string',
    placeholder: 'N',
    default: '100',
    description: 'list: at most N records',
  },
  json: { type: 'boolean', description: 'list: one JSON object a line' },
  help: { type: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const USAGE = `Usage: clickstream dlq list [--limit N] [--json]
       clickstream dlq replay

The records the processor could not process and parked (EVENT_LOG=kafka: KAFKA_DLQ_TOPIC; embedded:
the dead_letters table of DATA_DIR/event-log.db), with the reason. \`list\` shows those not replayed
yet, oldest first. \`replay\` appends every one of them back to the event log, unchanged, and marks
them replayed: run it after deploying the fix that makes them processable (one that still fails
is parked again). Reads the same settings as the server (EVENT_LOG, KAFKA_*, DATA_DIR).`;

/** `clickstream dlq list|replay`; resolves to the exit code. */
export async function runDlq(
  argv: readonly string[],
  io: CommandIo,
  env: Record<string, string | undefined>,
): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || rest.includes('--help')) {
    io.stdout.write(helpText(USAGE, DLQ_FLAGS));
    return action === undefined ? 2 : 0;
  }
  if (action !== 'list' && action !== 'replay')
    throw new UsageError(`unknown action "${action}": list or replay`);
  const flags = parseFlags(rest, DLQ_FLAGS);
  const limit = integerFlag(
    'limit',
    stringFlag(flags, 'limit') ?? DLQ_FLAGS.limit.default,
    1,
    100_000,
  );
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`clickstream dlq: ${error.message}\n`);
    return 2;
  }
  const queue = await createDeadLetterQueue(config, createLogger('warn'));
  try {
    if (action === 'replay') {
      const replayed = await queue.replay();
      io.stdout.write(
        `Replayed ${replayed} dead-lettered record${replayed === 1 ? '' : 's'} into the event log.\n`,
      );
      return 0;
    }
    const letters = await queue.pending(limit);
    if (flags.json === true) {
      for (const letter of letters) io.stdout.write(`${JSON.stringify(asJson(letter))}\n`);
    } else {
      io.stdout.write(
        letters.length === 0
          ? 'No dead-lettered records waiting.\n'
          : `${letters.map(describe).join('\n')}\n`,
      );
    }
    return 0;
  } finally {
    await queue.close();
  }
}

function asJson(letter: DeadLetter) {
  return {
    parked_at: new Date(letter.parkedAt).toISOString(),
    partition: letter.partition,
    offset: letter.offset,
    reason: letter.reason,
    key: letter.key,
    value: letter.value.toString('utf8'),
  };
}

function describe(letter: DeadLetter): string {
  const value = letter.value.toString('utf8');
  const shown = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return `${new Date(letter.parkedAt).toISOString()}  partition ${letter.partition} offset ${letter.offset}  ${letter.reason}\n  key ${letter.key}  value ${shown}`;
}

export const dlqCommand: Command = (argv, io) => runDlq(argv, io, process.env);
