import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyLedger, type VerifyReport } from '../../src/cli/verify/verify-ledger.js';
import type { LoadgenReport } from '../../src/cli/loadgen/summary.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A port that was free a moment ago: a server restarted after a crash must come back on it. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface LoadgenChild {
  pid: number;
  /** SIGINT: the load generator stops sending, lets requests in flight finish and still reports. */
  finish(): void;
  /** Resolves when the load generator exits, with its exit code and JSON summary. */
  done: Promise<{ code: number | null; report: LoadgenReport; stderr: string }>;
}

/** Runs `clickstream loadgen --json --quiet ...args` as a child process (the real CLI). */
export function spawnLoadgen(args: readonly string[]): LoadgenChild {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/clickstream.ts', 'loadgen', '--json', '--quiet', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = once(child, 'exit').then(([code]) => {
    const line = stdout.trim().split('\n').at(-1) ?? '';
    let report: LoadgenReport;
    try {
      report = JSON.parse(line) as LoadgenReport;
    } catch {
      throw new Error(
        `loadgen exited with ${String(code)} without a JSON summary:\n${stdout}\n${stderr}`,
      );
    }
    return { code: code as number | null, report, stderr };
  });
  return { pid: child.pid!, done, finish: () => void child.kill('SIGINT') };
}

/** verify-ledger against the query URL; the report (ok, acknowledged, unknown, mismatches). */
export async function verify(
  queryUrl: string,
  ledger: string,
  timeoutMs = 60_000,
): Promise<VerifyReport> {
  return verifyLedger({
    url: new URL(queryUrl),
    ledger,
    sampleUsers: 25,
    timeoutMs,
    concurrency: 8,
  });
}

/** Records the server's processor has still to work off, from its /metrics (all partitions it owns). */
export async function processorLag(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith('clickstream_processor_lag_records'));
  if (lines.length === 0) throw new Error(`${url}/metrics reports no processor lag`);
  return lines.reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

/** Lines in a ledger file (acknowledged events). */
export function ledgerLines(path: string): number {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length;
  } catch {
    return 0;
  }
}

/** Resident set size of a process in bytes (Linux /proc), or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak seen. */
export function watchRss(pid: () => number | undefined, everyMs = 200): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    const p = pid();
    const rss = p === undefined ? null : rssBytes(p);
    if (rss !== null) peak = Math.max(peak, rss);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Polls `check` until it returns true or the time is up. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** One-line summary of a verify report for failure messages. */
export function describeReport(report: VerifyReport): string {
  return JSON.stringify({
    ok: report.ok,
    acknowledged: report.acknowledged,
    unknown: report.unknown,
    checks: report.checks,
    mismatches: report.mismatches.slice(0, 10),
  });
}
