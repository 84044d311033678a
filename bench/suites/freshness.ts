import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { markdownTable, ms, num } from '../support/markdown.js';
import { backgroundLoad, startClickstream, tempDir } from '../support/processes.js';
import type { SuiteContext, SuiteReport } from '../support/results.js';

export interface FreshnessSetup {
  suite: string;
  title: string;
  env: Record<string, string>;
  /** Background load in events/s, one row each (default: 1,000 quick, 2,000 full). */
  rates?: number[];
}

const EMBEDDED: FreshnessSetup = {
  suite: 'freshness',
  title: 'Freshness, embedded: from 202 to visible in a query',
  env: {},
};
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const POLL_MS = 5;

/**
 * Under a steady background load, sends one page view at a time to a page nobody else uses and
 * polls its REST page views until the view shows: the time from the 202 to that moment is how
 * stale the dashboards can be. Polling every 5 ms bounds the resolution.
 */
export async function freshnessSuite(
  context: SuiteContext,
  setup: FreshnessSetup = EMBEDDED,
): Promise<SuiteReport> {
  const probes = context.quick ? 15 : 200;
  // A probe not seen within giveUpMs counts as lost; a row stops probing after budgetMs.
  const giveUpMs = context.quick ? 10_000 : 30_000;
  const budgetMs = context.quick ? 20_000 : 150_000;
  const rows = [];
  for (const rate of setup.rates ?? [context.quick ? 1000 : 2000])
    rows.push(await freshnessAt(rate, setup, probes, giveUpMs, budgetMs));
  return {
    suite: setup.suite,
    title: setup.title,
    notes: [
      `Probes one at a time (at most ${probes}, for at most ${budgetMs / 1000} s per row) under a steady background load (loadgen, batches of 20, its own process). Resolution: ${POLL_MS} ms polling.`,
      'Target: freshness p99 ≤ 1 s.',
    ],
    table: markdownTable(
      [
        'background ev/s',
        'probes',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        `not seen in ${giveUpMs / 1000} s`,
      ],
      rows.map((r) => [
        num(r.backgroundRate),
        r.probes,
        ms(r.p50),
        ms(r.p90),
        ms(r.p99),
        ms(r.max),
        r.notSeen,
      ]),
    ),
    data: rows,
  };
}

async function freshnessAt(
  rate: number,
  setup: FreshnessSetup,
  probes: number,
  giveUpMs: number,
  budgetMs: number,
) {
  const data = tempDir('clickstream-bench-');
  const server = await startClickstream({ ...setup.env, DATA_DIR: data.path });
  const load = backgroundLoad([
    '--url',
    server.url,
    '--rate',
    String(rate),
    '--duration',
    '1h',
    '--batch-size',
    '20',
    '--concurrency',
    '8',
    '--seed',
    '5',
  ]);
  let measured: Measured;
  try {
    await sleep(1_000); // let the background load reach its pace
    measured = await measure(server.url, probes, giveUpMs, budgetMs);
  } finally {
    await load.stop();
    await server.stop();
    data.remove();
  }
  const { histogram, lost, sent } = measured;
  const p = (q: number) => (histogram.count ? histogram.percentile(q) / 1000 : 0);
  return {
    probes: sent,
    backgroundRate: rate,
    p50: p(50),
    p90: p(90),
    p99: p(99),
    max: histogram.count ? histogram.max / 1000 : 0,
    notSeen: lost,
  };
}

interface Measured {
  histogram: RecordableHistogram;
  lost: number;
  sent: number;
}

/** Sends probes one at a time until `probes` are done or `budgetMs` has passed. */
async function measure(
  url: string,
  probes: number,
  giveUpMs: number,
  budgetMs: number,
): Promise<Measured> {
  const pool = new Pool(url, { connections: 2 });
  const histogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  const run = Date.now().toString(36);
  const started = Date.now();
  let lost = 0;
  let sent = 0;
  try {
    for (let i = 0; i < probes && Date.now() - started < budgetMs; i++) {
      sent++;
      const lag = await probe(pool, `/fresh/${run}/${i}`, giveUpMs);
      if (lag === null) lost++;
      else histogram.record(Math.max(1, Math.round(lag * 1000)));
      await sleep(20 + (i % 5) * 10);
    }
  } finally {
    await pool.close();
  }
  return { histogram, lost, sent };
}

/** Milliseconds from the 202 of one page view to the first query that counts it; null if never. */
async function probe(pool: Pool, page: string, giveUpMs: number): Promise<number | null> {
  const body = JSON.stringify({
    site_id: 'bench-fresh',
    page_url: page,
    event_type: 'page_view',
    user_agent: BROWSER,
    user_id: 'fresh-probe',
  });
  const sent = await pool.request({
    path: '/track',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await sent.body.text();
  if (sent.statusCode !== 202) throw new Error(`probe answered ${sent.statusCode}`);
  const acknowledged = performance.now();
  const path = `/analytics/page-views?site_id=bench-fresh&page=${encodeURIComponent(page)}`;
  while (performance.now() - acknowledged < giveUpMs) {
    const answer = await pool.request({ path, method: 'GET' });
    const json = (await answer.body.json()) as { page_views?: number };
    if ((json.page_views ?? 0) >= 1) return performance.now() - acknowledged;
    await sleep(POLL_MS);
  }
  return null;
}
