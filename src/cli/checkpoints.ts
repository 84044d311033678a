import { createEventLog, createStore } from '../compose/adapters.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import type { Command, CommandIo } from './command.js';
import {
  helpText,
  integerFlag,
  parseFlags,
  requiredFlag,
  stringFlag,
  UsageError,
  type FlagSpecs,
} from './flags.js';

export const CHECKPOINT_FLAGS = {
  partitions: {
    type: 'string',
    placeholder: 'LIST',
    description: 'reset: partitions to reset, e.g. 3 or 0,1,2 or all',
  },
  to: {
    type: 'string',
    placeholder: 'OFFSET',
    default: '0',
    description: 'reset: the offset to resume from',
  },
  help: { type: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const USAGE = `Usage: clickstream checkpoints list
       clickstream checkpoints reset --partitions LIST [--to OFFSET]

The store's checkpoint of each event-log partition: the offset the processor resumes from. When the
event log was recreated or wiped while the store kept its checkpoints (a topic deleted and created
again, a lost Kafka volume, a deleted event-log.db), a checkpoint is past the end of the new log and
the processor stops that partition (its log says which). After checking that the log really
starts again, stop the processors and reset those partitions to 0, the new log's start; then start
the processors. Aggregates and stored events stay; events seen before are recognised by event_id.`;

/** `clickstream checkpoints list|reset`; resolves to the exit code. */
export async function runCheckpoints(
  argv: readonly string[],
  io: CommandIo,
  env: Record<string, string | undefined>,
): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || rest.includes('--help')) {
    io.stdout.write(helpText(USAGE, CHECKPOINT_FLAGS));
    return action === undefined ? 2 : 0;
  }
  if (action !== 'list' && action !== 'reset')
    throw new UsageError(`unknown action "${action}": list or reset`);
  const flags = parseFlags(rest, CHECKPOINT_FLAGS);
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`clickstream checkpoints: ${error.message}\n`);
    return 2;
  }
  const logger = createLogger('warn');
  const log = await createEventLog(config, logger);
  const partitionCount = log.partitions;
  await log.close();
  const store = await createStore(config, logger);
  try {
    const all = Array.from({ length: partitionCount }, (_, p) => p);
    if (action === 'list') {
      for (const p of all)
        io.stdout.write(`partition ${p}: ${(await store.checkpoint(p)) ?? 'none'}\n`);
      return 0;
    }
    const to = integerFlag(
      'to',
      stringFlag(flags, 'to') ?? CHECKPOINT_FLAGS.to.default,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    for (const p of partitionList(requiredFlag(flags, 'partitions'), partitionCount)) {
      const before = await store.checkpoint(p);
      await store.resetCheckpoint(p, to);
      io.stdout.write(`partition ${p}: checkpoint ${before ?? 'none'} → ${to}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

export function partitionList(value: string, count: number): number[] {
  if (value === 'all') return Array.from({ length: count }, (_, p) => p);
  return value.split(',').map((part) => integerFlag('partitions', part.trim(), 0, count - 1));
}

export const checkpointsCommand: Command = (argv, io) => runCheckpoints(argv, io, process.env);
