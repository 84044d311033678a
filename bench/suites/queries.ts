import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { Pool } from 'undici';
import { pagePath } from '../../src/cli/loadgen/traffic.js';
import { BENCH_SITE, filledStore, type FilledStore } from '../support/fill-store.js';
import { markdownTable, ms, num } from '../support/markdown.js';
import { startClickstream } from '../support/processes.js';
import type { SuiteContext, SuiteReport } from '../support/results.js';

interface QueryCase {
  name: string;
  path: (i: number, range: string) => string;
}

const DAY = 86_400_000;
const CASES: QueryCase[] = [
  { name: 'GET /healthz (HTTP floor, baseline)', path: () => '/healthz' },
  {
    name: 'page views of one page, 30 days',
    path: (i, r) => `/analytics/page-views?page=${encodeURIComponent(pagePath(1 + (i % 50)))}&${r}`,
  },
  {
    name: 'time series, 30 days by hour',
    path: (_, r) => `/analytics/timeseries?interval=hour&metrics=pageviews,visitors&${r}`,
  },
  { name: 'top pages (10), 30 days', path: (_, r) => `/analytics/top-pages?limit=10&${r}` },
  { name: 'unique visitors, site, 30 days', path: (_, r) => `/analytics/unique-visitors?${r}` },
  {
    name: 'unique visitors of one page, 30 days',
    path: (i, r) =>
      `/analytics/unique-visitors?page=${encodeURIComponent(pagePath(1 + (i % 50)))}&${r}`,
  },
];

/**
 * Query latency over HTTP against a store filled with 1 and 10 million events over 30 days
 * (quick: 100,000). The range ends at an hour boundary a few minutes ago-aligned, like a
 * dashboard's "last 30 days". /healthz is the same-run baseline: the cost of the HTTP round trip.
 */
export async function querySuite(context: SuiteContext): Promise<SuiteReport> {
  const sizes = context.querySizes ?? (context.quick ? [100_000] : [1_000_000, 10_000_000]);
  const iterations = context.quick ? 50 : 500;
  const root = join(tmpdir(), 'clickstream-bench-data');
  const results: Array<{
    store: FilledStore;
    rows: Array<{ name: string; p50: number; p99: number; max: number }>;
  }> = [];
  for (const size of sizes) {
    process.stderr.write(`queries: preparing a store of ${size.toLocaleString('en-US')} events\n`);
    const store = await filledStore(root, size, (line) => process.stderr.write(`${line}\n`));
    const server = await startClickstream({ DATA_DIR: store.dataDir });
    const pool = new Pool(server.url, { connections: 1 });
    try {
      const range = `site_id=${BENCH_SITE}&from=${store.end - 30 * DAY}&to=${store.end}`;
      const rows = [];
      for (const c of CASES)
        rows.push({ name: c.name, ...(await timeCase(pool, c, range, iterations)) });
      results.push({ store, rows });
    } finally {
      await pool.close();
      await server.stop();
    }
  }
  const header = [
    'query',
    ...results.flatMap((r) => [
      `p50 ms (${short(r.store.events)})`,
      `p99 ms (${short(r.store.events)})`,
    ]),
  ];
  const table = markdownTable(
    header,
    CASES.map((c, i) => [
      c.name,
      ...results.flatMap((r) => [ms(r.rows[i]!.p50), ms(r.rows[i]!.p99)]),
    ]),
  );
  return {
    suite: 'queries',
    title: 'Queries over HTTP, embedded store',
    notes: [
      `${iterations} sequential requests per query after 20 warm-up requests, one keep-alive connection. Stores filled through the DuckDB store's commit() with synthetic events over 30 days (1,000 pages, Zipf): ${results.map((r) => `${num(r.store.events)} events ${r.store.reused ? '(reused)' : `in ${num(r.store.fillSeconds)} s = ${num(r.store.events / r.store.fillSeconds)} ev/s`}`).join('; ')}.`,
      'Target: page-view query p99 ≤ 10 ms with 10 million events stored.',
    ],
    table,
    data: results.map((r) => ({
      events: r.store.events,
      fillSeconds: r.store.fillSeconds,
      reused: r.store.reused,
      rows: r.rows,
    })),
  };
}

async function timeCase(
  pool: Pool,
  c: QueryCase,
  range: string,
  iterations: number,
): Promise<{ p50: number; p99: number; max: number }> {
  const histogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  for (let i = -20; i < iterations; i++) {
    const started = performance.now();
    const answer = await pool.request({ path: c.path(Math.abs(i), range), method: 'GET' });
    const text = await answer.body.text();
    if (answer.statusCode !== 200)
      throw new Error(`${c.name}: ${answer.statusCode} ${text.slice(0, 200)}`);
    if (i >= 0) histogram.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
  }
  return {
    p50: histogram.percentile(50) / 1000,
    p99: histogram.percentile(99) / 1000,
    max: histogram.max / 1000,
  };
}

function short(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
}
