import { existsSync } from 'node:fs';
import type { CommandIo } from '../command.js';
import {
  durationFlag,
  helpText,
  integerFlag,
  parseFlags,
  requiredFlag,
  stringFlag,
  urlFlag,
  UsageError,
  type FlagSpecs,
} from '../flags.js';
import { formatVerifyReport, verifyLedger, type VerifyOptions } from './verify-ledger.js';

export const VERIFY_FLAGS = {
  url: { type: 'string', placeholder: 'URL', description: 'Clickstream base URL (required)' },
  ledger: {
    type: 'string',
    placeholder: 'FILE',
    description: 'ledger written by loadgen --ledger (required)',
  },
  sample: {
    type: 'string',
    placeholder: 'N',
    description: 'users whose stored events are compared one by one',
    default: '20',
  },
  timeout: {
    type: 'string',
    placeholder: 'TIME',
    description: 'how long to wait for the counts to catch up',
    default: '30s',
  },
  concurrency: { type: 'string', placeholder: 'N', description: 'queries in flight', default: '8' },
  json: { type: 'boolean', description: 'print the report as JSON' },
  help: { type: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const USAGE =
  'Usage: clickstream verify-ledger --url URL --ledger FILE [options]\n\nProves that every event in the ledger is stored and counted exactly once. Exit 0: pass; 1: fail.';

export function parseVerifyOptions(argv: readonly string[]): VerifyOptions & { json: boolean } {
  const flags = parseFlags(argv, VERIFY_FLAGS);
  const ledger = requiredFlag(flags, 'ledger');
  const url = urlFlag('url', requiredFlag(flags, 'url'));
  if (!existsSync(ledger)) throw new UsageError(`--ledger: no such file "${ledger}"`);
  return {
    url,
    ledger,
    sampleUsers: integerFlag('sample', stringFlag(flags, 'sample') ?? '20', 0, 100_000),
    timeoutMs: durationFlag('timeout', stringFlag(flags, 'timeout') ?? '30s', 0, 3_600_000),
    concurrency: integerFlag('concurrency', stringFlag(flags, 'concurrency') ?? '8', 1, 256),
    json: flags.json === true,
  };
}

export async function verifyLedgerCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(helpText(USAGE, VERIFY_FLAGS));
    return 0;
  }
  const options = parseVerifyOptions(argv);
  const report = await verifyLedger(options);
  io.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatVerifyReport(report));
  return report.ok ? 0 : 1;
}
