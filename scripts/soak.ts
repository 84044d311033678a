import {
  UsageError,
  durationFlag,
  helpText,
  integerFlag,
  parseFlags,
  stringFlag,
  type FlagSpecs,
} from '../src/cli/flags.js';
import { ensureServices } from '../services/index.js';
import { runRebalanceSoak } from '../test/support/rebalance-soak.js';

const FLAGS: FlagSpecs = {
  runs: {
    type: 'string',
    description: 'soak runs, one after another',
    placeholder: 'N',
    default: '1',
  },
  duration: { type: 'string', description: 'load per run', placeholder: 'TIME', default: '2m' },
  every: {
    type: 'string',
    description: 'time between processor stops',
    placeholder: 'TIME',
    default: '10s',
  },
  rate: {
    type: 'string',
    description: 'events per second offered',
    placeholder: 'N',
    default: '300',
  },
  processors: {
    type: 'string',
    description: 'processor processes',
    placeholder: 'N',
    default: '3',
  },
  help: { type: 'boolean', description: 'show this help' },
};
const USAGE =
  'npm run soak -- [options]: the rebalance soak (docs/reliability.md). Starts Kafka and Cassandra on loopback when they are not running; exits 1 when any run loses or doubles a count.';

try {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText(USAGE, FLAGS));
    process.exit(0);
  }
  const value = (name: string) => stringFlag(flags, name) ?? FLAGS[name]!.default!;
  const runs = integerFlag('runs', value('runs'), 1, 1000);
  const durationMs = durationFlag('duration', value('duration'), 10_000, 3_600_000);
  const everyMs = durationFlag('every', value('every'), 2_000, durationMs);
  const rate = integerFlag('rate', value('rate'), 1, 20_000);
  const processors = integerFlag('processors', value('processors'), 2, 6);
  const endpoints = await ensureServices({ kafka: true, cassandra: true });
  let passed = 0;
  for (let run = 1; run <= runs; run++) {
    process.stdout.write(`soak run ${run} of ${runs}\n`);
    const result = await runRebalanceSoak({
      kafkaBrokers: endpoints.kafkaBrokers.join(','),
      cassandra: endpoints.cassandraContactPoints.join(','),
      durationMs,
      everyMs,
      rate,
      processors,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    if (result.ok) passed++;
    process.stdout.write(`run ${run}: ${result.summary}\n`);
    if (result.diagnosis) process.stdout.write(`${result.diagnosis}\n`);
  }
  process.stdout.write(`rebalance soak: ${passed} of ${runs} runs ledger-exact\n`);
  process.exit(passed === runs ? 0 : 1);
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`soak: ${error.message}\n\n${helpText(USAGE, FLAGS)}`);
    process.exit(error.exitCode);
  }
  throw error;
}
