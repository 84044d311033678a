import { setTimeout as sleep } from 'node:timers/promises';
import { readExpectedCounts, type ExpectedCounts } from './expected-counts.js';
import { createProbes, type CheckName, type Mismatch, type Probe } from './probes.js';
import { createQueryClient, mapLimit } from './query-client.js';

export interface VerifyOptions {
  url: URL;
  ledger: string;
  sampleUsers: number;
  /** How long to wait for the processor to catch up before a mismatch counts as a failure. */
  timeoutMs: number;
  concurrency: number;
}

export interface VerifyReport {
  ok: boolean;
  ledger: string;
  acknowledged: number;
  unknown: number;
  sites: number;
  pages: number;
  sampledUsers: number;
  /** Probes per check and how many of them failed. */
  checks: Record<CheckName, { probes: number; failed: number }>;
  mismatches: Mismatch[];
  elapsedMs: number;
}

const POLL_MS = 500;

/**
 * Proves the ledger against the API: every acknowledged event counted once per page (bots
 * excluded and included), per site and event type, and — for sampled users — every acknowledged
 * event stored exactly once and nothing unacknowledged stored. Aggregation is asynchronous, so
 * failing probes are asked again until they agree or the timeout passes.
 */
export async function verifyLedger(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const expected = await readExpectedCounts(options.ledger, options.sampleUsers, Math.random);
  const client = createQueryClient(options.url, options.concurrency, 30_000);
  try {
    const range = {
      from: Number.isFinite(expected.minTs) ? expected.minTs : started,
      to: Math.max(expected.maxTs, Date.now()) + 60_000,
    };
    const probes = createProbes(expected, client, range);
    let failing: Array<{ probe: Probe; problems: Mismatch[] }> = probes.map((probe) => ({
      probe,
      problems: [],
    }));
    for (let round = 0; ; round++) {
      const results = await mapLimit(failing, options.concurrency, async ({ probe }) => ({
        probe,
        problems: await probe.run(),
      }));
      failing = results.filter((r) => r.problems.length > 0);
      if (failing.length === 0 || Date.now() - started > options.timeoutMs) break;
      await sleep(POLL_MS);
    }
    return report(options, expected, probes, failing, Date.now() - started);
  } finally {
    await client.close();
  }
}

function report(
  options: VerifyOptions,
  expected: ExpectedCounts,
  probes: Probe[],
  failing: Array<{ problems: Mismatch[] }>,
  elapsedMs: number,
): VerifyReport {
  const checks = {
    page_views: { probes: 0, failed: 0 },
    page_events: { probes: 0, failed: 0 },
    event_types: { probes: 0, failed: 0 },
    user_events: { probes: 0, failed: 0 },
  };
  for (const probe of probes) for (const check of probe.checks) checks[check].probes++;
  const mismatches = failing.flatMap((f) => f.problems);
  for (const m of mismatches) checks[m.check].failed++;
  return {
    ok: mismatches.length === 0 && expected.acknowledged > 0,
    ledger: options.ledger,
    acknowledged: expected.acknowledged,
    unknown: expected.unknown,
    sites: expected.types.size,
    pages: expected.pages.size,
    sampledUsers: expected.users.size,
    checks,
    mismatches,
    elapsedMs,
  };
}

const LABELS: Record<CheckName, string> = {
  page_views: 'page views per page, bots excluded',
  page_events: 'events per page, bots included',
  event_types: 'events per site and event type, bots included',
  user_events: 'sampled users: each acknowledged event stored exactly once',
};

export function formatVerifyReport(r: VerifyReport): string {
  const lines = [
    `Ledger ${r.ledger}: ${r.acknowledged.toLocaleString('en-US')} acknowledged events${r.unknown ? `, ${r.unknown} of unknown fate` : ''}; ${r.sites} sites, ${r.pages} pages, ${r.sampledUsers} sampled users`,
  ];
  for (const [check, { probes, failed }] of Object.entries(r.checks) as Array<
    [CheckName, { probes: number; failed: number }]
  >) {
    lines.push(
      `  ${failed === 0 ? 'ok  ' : 'FAIL'} ${LABELS[check]} (${probes} checked${failed ? `, ${failed} wrong` : ''})`,
    );
  }
  for (const m of r.mismatches.slice(0, 20))
    lines.push(`       ${m.check}: ${m.what}: expected ${m.expected}, got ${m.actual}`);
  if (r.mismatches.length > 20) lines.push(`       … and ${r.mismatches.length - 20} more`);
  if (r.acknowledged === 0) lines.push('  FAIL the ledger holds no acknowledged event');
  lines.push(r.ok ? `PASS (${(r.elapsedMs / 1000).toFixed(1)} s)` : 'FAIL');
  return `${lines.join('\n')}\n`;
}
