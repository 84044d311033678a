import { isSiteId } from '../../domain/site-id.js';
import {
  durationFlag,
  integerFlag,
  numberFlag,
  parseFlags,
  requiredFlag,
  shareFlag,
  stringFlag,
  urlFlag,
  UsageError,
  type FlagSpecs,
} from '../flags.js';

export interface LoadgenOptions {
  url: URL;
  /** Events per second; null = as fast as the server answers. */
  rate: number | null;
  /** Stop after this many events, or after durationMs (exactly one of the two is set). */
  count: number | null;
  durationMs: number | null;
  concurrency: number;
  /** 1 = one event per POST /track; more = POST /track/batch. */
  batchSize: number;
  sites: number;
  /** Prefix of the site ids; unique per seed so a run's counts are not mixed with other traffic. */
  sitePrefix: string;
  pages: number;
  /** Concurrent visitors simulated; each one walks through its sessions. */
  visitors: number;
  bots: number;
  bad: number;
  /** How far back visitor timelines start (events carry timestamps in that window). */
  windowMs: number;
  ledger: string | null;
  seed: number;
  retries: number;
  timeoutMs: number;
  json: boolean;
  quiet: boolean;
}

export const LOADGEN_FLAGS = {
  url: {
    type: 'string',
    placeholder: 'URL',
    description: 'Clickstream base URL (required), e.g. http://127.0.0.1:8080',
  },
  rate: {
    type: 'string',
    placeholder: 'N|max',
    description: 'events per second, or "max" for as fast as possible',
    default: 'max',
  },
  count: {
    type: 'string',
    placeholder: 'N',
    description: 'stop after N events (default 10000 unless --duration)',
  },
  duration: {
    type: 'string',
    placeholder: 'TIME',
    description: 'stop after this long: 30s, 2m, 1h',
  },
  concurrency: {
    type: 'string',
    placeholder: 'N',
    description: 'requests in flight (keep-alive connections)',
    default: '16',
  },
  'batch-size': {
    type: 'string',
    placeholder: 'N',
    description: 'events per request; 1 = POST /track, more = POST /track/batch',
    default: '1',
  },
  sites: { type: 'string', placeholder: 'N', description: 'number of sites', default: '3' },
  'site-prefix': {
    type: 'string',
    placeholder: 'TEXT',
    description: 'site ids are PREFIX1..PREFIXn',
    default: 'lg-<seed>-',
  },
  pages: {
    type: 'string',
    placeholder: 'N',
    description: 'pages per site (popularity follows a Zipf law)',
    default: '200',
  },
  visitors: {
    type: 'string',
    placeholder: 'N',
    description: 'visitors active at once',
    default: '1000',
  },
  bots: {
    type: 'string',
    placeholder: 'SHARE',
    description: 'share of visitors with a bot user agent',
    default: '0.1',
  },
  bad: {
    type: 'string',
    placeholder: 'SHARE',
    description: 'share of invalid events (must come back rejected)',
    default: '0',
  },
  window: {
    type: 'string',
    placeholder: 'TIME',
    description: 'event timestamps lie in the last TIME (at most 160h)',
    default: '6h',
  },
  ledger: {
    type: 'string',
    placeholder: 'FILE',
    description: 'write acknowledged events as JSON lines (for verify-ledger)',
  },
  seed: {
    type: 'string',
    placeholder: 'N',
    description: 'random seed for a reproducible run (default: random, printed)',
  },
  retries: {
    type: 'string',
    placeholder: 'N',
    description: 'retries of a failed request, with the same event ids',
    default: '2',
  },
  timeout: {
    type: 'string',
    placeholder: 'TIME',
    description: 'per-request timeout',
    default: '10s',
  },
  json: { type: 'boolean', description: 'print the summary as JSON' },
  quiet: { type: 'boolean', description: 'no progress output' },
  help: { type: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const MAX_EVENTS = 1_000_000_000;

/** Parses and validates every flag; each problem is a UsageError naming its flag. */
export function parseLoadgenOptions(
  argv: readonly string[],
  randomSeed: () => number,
): LoadgenOptions {
  const flags = parseFlags(argv, LOADGEN_FLAGS);
  const get = (name: keyof typeof LOADGEN_FLAGS): string | undefined => stringFlag(flags, name);
  const countText = get('count');
  const durationText = get('duration');
  if (countText !== undefined && durationText !== undefined) {
    throw new UsageError('--count and --duration cannot be combined; give one of them');
  }
  const seed =
    get('seed') === undefined ? randomSeed() : integerFlag('seed', get('seed')!, 0, 0xffff_ffff);
  const sitePrefix = get('site-prefix') ?? `lg-${seed.toString(36)}-`;
  // Site numbers take up to 10 digits after the prefix; every site must still be a SiteId.
  if (!isSiteId(`${sitePrefix}${'9'.repeat(10)}`)) {
    throw new UsageError(
      `--site-prefix must be lower-case letters, digits and . _ - (at most 54), starting with a letter or digit, got "${sitePrefix}"`,
    );
  }
  const rateText = get('rate') ?? 'max';
  return {
    url: urlFlag('url', requiredFlag(flags, 'url')),
    rate: rateText === 'max' ? null : numberFlag('rate', rateText, 0.1, 10_000_000),
    count:
      durationText === undefined ? integerFlag('count', countText ?? '10000', 1, MAX_EVENTS) : null,
    durationMs:
      durationText === undefined
        ? null
        : durationFlag('duration', durationText, 100, 7 * 86_400_000),
    concurrency: integerFlag('concurrency', get('concurrency') ?? '16', 1, 4096),
    batchSize: integerFlag('batch-size', get('batch-size') ?? '1', 1, 1000),
    sites: integerFlag('sites', get('sites') ?? '3', 1, 10_000),
    sitePrefix,
    pages: integerFlag('pages', get('pages') ?? '200', 1, 1_000_000),
    visitors: integerFlag('visitors', get('visitors') ?? '1000', 1, 1_000_000),
    bots: shareFlag('bots', get('bots') ?? '0.1'),
    bad: shareFlag('bad', get('bad') ?? '0'),
    // The server refuses events older than MAX_EVENT_AGE_HOURS (168 h by default).
    windowMs: durationFlag('window', get('window') ?? '6h', 60_000, 160 * 3_600_000),
    ledger: get('ledger') ?? null,
    seed,
    retries: integerFlag('retries', get('retries') ?? '2', 0, 100),
    timeoutMs: durationFlag('timeout', get('timeout') ?? '10s', 10, 600_000),
    json: flags.json === true,
    quiet: flags.quiet === true,
  };
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
