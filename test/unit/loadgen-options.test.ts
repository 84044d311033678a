import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/flags.js';
import { parseLoadgenOptions } from '../../src/cli/loadgen/options.js';
import { runCli } from '../../src/cli/run-cli.js';

const parse = (...argv: string[]) =>
  parseLoadgenOptions(['--url', 'http://127.0.0.1:8080', ...argv], () => 12345);

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('loadgen options', () => {
  it('has sensible defaults: 10,000 events, unthrottled, single events, a seed-derived site prefix', () => {
    const options = parse();
    expect(options).toMatchObject({
      count: 10_000,
      durationMs: null,
      rate: null,
      batchSize: 1,
      concurrency: 16,
      sites: 3,
      seed: 12345,
      bad: 0,
      bots: 0.1,
      ledger: null,
    });
    expect(options.sitePrefix).toBe(`lg-${(12345).toString(36)}-`);
  });

  it('reads every flag', () => {
    const options = parse(
      '--rate',
      '500',
      '--duration',
      '2m',
      '--concurrency',
      '4',
      '--batch-size',
      '50',
      '--sites',
      '7',
      '--pages',
      '20',
      '--bots',
      '25%',
      '--bad',
      '0.02',
      '--ledger',
      '/tmp/l.jsonl',
      '--seed',
      '9',
      '--retries',
      '0',
      '--timeout',
      '500ms',
      '--window',
      '1h',
      '--json',
      '--quiet',
    );
    expect(options).toMatchObject({
      rate: 500,
      durationMs: 120_000,
      count: null,
      concurrency: 4,
      batchSize: 50,
      sites: 7,
      pages: 20,
      bots: 0.25,
      bad: 0.02,
      ledger: '/tmp/l.jsonl',
      seed: 9,
      retries: 0,
      timeoutMs: 500,
      windowMs: 3_600_000,
      json: true,
      quiet: true,
    });
  });

  it.each([
    [['--rate', 'fast'], '--rate'],
    [['--rate', '0'], '--rate'],
    [['--count', '-5'], '--count'],
    [['--count', '1.5'], '--count'],
    [['--duration', 'soon'], '--duration'],
    [['--concurrency', '0'], '--concurrency'],
    [['--batch-size', '1001'], '--batch-size'],
    [['--sites', 'x'], '--sites'],
    [['--bots', '1.5'], '--bots'],
    [['--bad', '-0.1'], '--bad'],
    [['--seed', 'abc'], '--seed'],
    [['--window', '200h'], '--window'],
    [['--site-prefix', 'Bad Prefix'], '--site-prefix'],
    [['--count', '10', '--duration', '5s'], '--count'],
    [['--nope'], "'--nope'"],
    [['--count'], "'--count"],
  ])('refuses %j with a message naming %s', (argv, flag) => {
    expect(usageError(() => parse(...argv))).toContain(flag);
  });

  it('requires --url and refuses a URL that is not http(s)', () => {
    expect(usageError(() => parseLoadgenOptions([], () => 1))).toContain('--url');
    expect(usageError(() => parseLoadgenOptions(['--url', 'ftp://x'], () => 1))).toContain('--url');
    expect(usageError(() => parseLoadgenOptions(['--url', 'not a url'], () => 1))).toContain(
      '--url',
    );
  });
});

describe('clickstream CLI', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        stderrIsTty: false,
        signal: new AbortController().signal,
      },
    };
  };

  it('exits 2 with the flag named on a bad flag', async () => {
    const { err, io: cliIo } = io();
    expect(await runCli(['loadgen', '--url', 'http://127.0.0.1:1', '--bad', '2'], cliIo)).toBe(2);
    expect(err.join('')).toContain('--bad must be a share');
  });

  it('exits 2 on an unknown command and 0 on --help', async () => {
    const a = io();
    expect(await runCli(['lodgen'], a.io)).toBe(2);
    expect(a.err.join('')).toContain('unknown command "lodgen"');
    const b = io();
    expect(await runCli(['loadgen', '--help'], b.io)).toBe(0);
    expect(b.out.join('')).toContain('--batch-size');
    const c = io();
    expect(await runCli(['verify-ledger', '--url', 'http://127.0.0.1:1'], c.io)).toBe(2);
    expect(c.err.join('')).toContain('--ledger is required');
  });
});
