import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run-cli.js';
import { startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs a clickstream command in-process, as the executable would, and keeps what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIo = {
    stdout: { write: (t) => (out += t) },
    stderr: { write: (t) => (err += t) },
    stderrIsTty: false,
    signal: new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

describe('clickstream loadgen and verify-ledger against a real server', () => {
  let server: ServerProcess;
  let dir: string;
  const ledger = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = tempDataDir();
    server = await startServer({ DATA_DIR: join(dir, 'data') });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // These tests start the real CLI two to four times each (a few seconds apiece on a busy 2-core
  // CI machine beside the fault suites), so they get more than the default 30 s.
  it('sends single events with bad ones among them; the ledger proves every acknowledged event stored once', async () => {
    const run = await cli(
      'loadgen',
      '--url',
      server.url,
      '--count',
      '600',
      '--concurrency',
      '8',
      '--bad',
      '0.05',
      '--bots',
      '0.2',
      '--seed',
      '101',
      '--ledger',
      ledger('single.jsonl'),
      '--json',
      '--quiet',
    );
    expect(run.code, run.out + run.err).toBe(0);
    const report = JSON.parse(run.out);
    expect(report.sent).toBe(600);
    expect(report.accepted + report.rejected).toBe(600);
    expect(report.rejected).toBeGreaterThan(0);
    expect(report.errors).toEqual({});
    expect(readFileSync(ledger('single.jsonl'), 'utf8').trim().split('\n')).toHaveLength(
      report.accepted,
    );

    const verify = await cli(
      'verify-ledger',
      '--url',
      server.url,
      '--ledger',
      ledger('single.jsonl'),
      '--timeout',
      '60s',
      '--sample',
      '15',
    );
    expect(verify.code, verify.out + verify.err).toBe(0);
    expect(verify.out).toContain('PASS');
  }, 120_000);

  it('sends batches, and a replay of the same run (same event ids) is stored once', async () => {
    const args = [
      'loadgen',
      '--url',
      server.url,
      '--count',
      '1500',
      '--batch-size',
      '50',
      '--concurrency',
      '4',
      '--bad',
      '0.02',
      '--seed',
      '202',
      '--quiet',
    ];
    const first = await cli(...args, '--ledger', ledger('batch.jsonl'));
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toMatch(/rejected\s+[1-9]/);
    const again = await cli(...args, '--ledger', ledger('batch-again.jsonl'));
    expect(again.code, again.out + again.err).toBe(0);

    for (const file of ['batch.jsonl', 'batch-again.jsonl']) {
      const verify = await cli(
        'verify-ledger',
        '--url',
        server.url,
        '--ledger',
        ledger(file),
        '--timeout',
        '60s',
        '--json',
      );
      const report = JSON.parse(verify.out);
      expect(report.mismatches).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.checks.user_events.probes).toBeGreaterThan(10);
    }
  }, 120_000);

  it('fails when the ledger holds an event the server never got', async () => {
    const source = readFileSync(ledger('single.jsonl'), 'utf8').trim().split('\n');
    const forged = { ...JSON.parse(source[0]!), id: 'never-sent-0001', page: '/never-sent' };
    appendFileSync(ledger('forged.jsonl'), `${source.join('\n')}\n${JSON.stringify(forged)}\n`);
    const verify = await cli(
      'verify-ledger',
      '--url',
      server.url,
      '--ledger',
      ledger('forged.jsonl'),
      '--timeout',
      '1s',
      '--sample',
      '1000',
      '--json',
    );
    expect(verify.code).toBe(1);
    const report = JSON.parse(verify.out);
    expect(report.ok).toBe(false);
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({
        check: 'page_events',
        what: expect.stringContaining('/never-sent'),
      }),
    );
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({
        check: 'user_events',
        what: expect.stringContaining('never-sent-0001'),
        actual: 'missing',
      }),
    );
  }, 120_000);

  it('reports a server that does not answer as errors, and keeps those events out of the ledger', async () => {
    const closed = new URL(server.url);
    closed.port = '1';
    const run = await cli(
      'loadgen',
      '--url',
      closed.origin,
      '--count',
      '20',
      '--retries',
      '1',
      '--seed',
      '3',
      '--ledger',
      ledger('down.jsonl'),
      '--json',
      '--quiet',
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.out);
    expect(report.errors.network).toBe(20);
    expect(report.retries).toBe(20);
    expect(report.accepted).toBe(0);
    expect(readFileSync(ledger('down.jsonl'), 'utf8')).toBe('');
    expect(existsSync(`${ledger('down.jsonl')}.unknown`)).toBe(true);
  });

  it('the executable exits 2 and names the flag on a usage error', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/clickstream.ts',
        'loadgen',
        '--url',
        server.url,
        '--concurrency',
        'many',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--concurrency must be a whole number');
  });
});
