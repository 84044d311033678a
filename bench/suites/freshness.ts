import { createHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { markdownTable, ms, num } from '../support/markdown.js';
import { backgroundLoad, startClickstream, tempDir } from '../support/processes.js';
import type { SuiteContext, SuiteReport } from '../support/results.js';

export interface FreshnessSetup {
  suite: string;
  title: string;
  env: Record<string, string>;
}

const EMBEDDED: FreshnessSetup = { suite: 'freshness', title: 'Freshness, embedded: from 202 to visible in a query', env: {} };
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const POLL_MS = 5;
const GIVE_UP_MS = 30_000;

/**
 * Under a steady background load, sends one page view at a time to a page nobody else uses and
 * polls its REST page views until the view shows: the time from the 202 to that moment is how
 * stale the dashboards can be. Polling every 5 ms bounds the resolution.
 */
export async function freshnessSuite(context: SuiteContext, setup: FreshnessSetup = EMBEDDED): Promise<SuiteReport> {
  const probes = context.quick ? 15 : 200;
  const rate = context.quick ? 1000 : 2000;
  const data = tempDir('clickstream-bench-');
  const server = await startClickstream({ ...setup.env, DATA_DIR: data.path });
  const load = backgroundLoad(['--url', server.url, '--rate', String(rate), '--duration', '1h', '--batch-size', '20', '--concurrency', '8', '--seed', '5']);
  const pool = new Pool(server.url, { connections: 2 });
  const histogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });
  let lost = 0;
  try {
    await sleep(1_000); // let the background load reach its pace
    const run = Date.now().toString(36);
    for (let i = 0; i < probes; i++) {
      const lag = await probe(pool, `/fresh/${run}/${i}`);
      if (lag === null) lost++;
      else histogram.record(Math.max(1, Math.round(lag * 1000)));
      await sleep(20 + (i % 5) * 10);
    }
  } finally {
    await load.stop();
    await pool.close();
    await server.stop();
    data.remove();
  }
  const p = (q: number) => (histogram.count ? histogram.percentile(q) / 1000 : 0);
  const result = { probes, backgroundRate: rate, p50: p(50), p90: p(90), p99: p(99), max: histogram.count ? histogram.max / 1000 : 0, notSeen: lost };
  return {
    suite: setup.suite,
    title: setup.title,
    notes: [
      `${probes} probes, one at a time, under a steady background load of ${num(rate)} events/s (loadgen, batches of 20, its own process). Resolution: ${POLL_MS} ms polling.`,
      'Target: freshness p99 ≤ 1 s.',
    ],
    table: markdownTable(['background ev/s', 'probes', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'not seen in 30 s'], [
      [num(rate), probes, ms(result.p50), ms(result.p90), ms(result.p99), ms(result.max), lost],
    ]),
    data: result,
  };
}

/** Milliseconds from the 202 of one page view to the first query that counts it; null if never. */
async function probe(pool: Pool, page: string): Promise<number | null> {
  const body = JSON.stringify({ site_id: 'bench-fresh', page_url: page, event_type: 'page_view', user_agent: BROWSER, user_id: 'fresh-probe' });
  const sent = await pool.request({ path: '/track', method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await sent.body.text();
  if (sent.statusCode !== 202) throw new Error(`probe answered ${sent.statusCode}`);
  const acknowledged = performance.now();
  const path = `/analytics/page-views?site_id=bench-fresh&page=${encodeURIComponent(page)}`;
  while (performance.now() - acknowledged < GIVE_UP_MS) {
    const answer = await pool.request({ path, method: 'GET' });
    const json = (await answer.body.json()) as { page_views?: number };
    if ((json.page_views ?? 0) >= 1) return performance.now() - acknowledged;
    await sleep(POLL_MS);
  }
  return null;
}
