import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { postJson, startServer } from '../test/support/server-process.js';
import { BENCH_SITE } from './support/fill-store.js';
import { markdownTable, ms } from './support/markdown.js';

/**
 * `npx tsx bench/dashboard-view.ts --data <folder of a filled store>` (bench/fill.ts makes one):
 * what the dashboard asks for one view — totals, the chart, each panel's open tab, goals, a
 * 3-step funnel and the property keys, all at once as the page sends them — timed over 30 days of
 * the store, unfiltered and under the filters people click. Prints each query's median and worst
 * time and the view's (the slowest of its parallel queries); `--sequential` runs them one by one.
 */
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    rounds: { type: 'string' },
    sequential: { type: 'boolean' },
  },
  strict: true,
});
if (!values.data) throw new Error('--data: the folder of a filled store (bench/fill.ts)');
const rounds = Number(values.rounds ?? 5);
const { end } = JSON.parse(readFileSync(join(values.data, 'bench-fill.json'), 'utf8')) as {
  end: number;
};
const range = [new Date(end - 30 * 86_400_000).toISOString(), new Date(end - 1).toISOString()];

const server = await startServer({ DATA_DIR: values.data, LIVE_VIEW: 'false' }, 300_000);
const post = async (path: string, body: unknown): Promise<number> => {
  const started = performance.now();
  const answer = await postJson(`${server.url}${path}`, body);
  if (answer.status !== 200 && answer.status !== 201)
    throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  return performance.now() - started;
};
// Goals stay in the data folder's settings.db: a second run finds them there.
const goals = (await (
  await fetch(`${server.url}/analytics/goals?site_id=${BENCH_SITE}`)
).json()) as { goals: unknown[] };
if (goals.goals.length === 0) {
  await post('/analytics/goals', { site_id: BENCH_SITE, name: 'Signup', event_name: 'signup' });
  await post('/analytics/goals', { site_id: BENCH_SITE, name: 'Pricing', page_path: '/pricing' });
}

const VIEWS: Array<{ name: string; filters: unknown[] }> = [
  { name: 'unfiltered', filters: [] },
  { name: 'source is google.com', filters: [['is', 'visit:source', ['google.com']]] },
  {
    name: 'page is /pricing and browser is Firefox',
    filters: [
      ['is', 'event:page', ['/pricing']],
      ['is', 'visit:browser', ['Firefox']],
    ],
  },
];

function queriesOf(filters: unknown[]): Array<[string, string, unknown]> {
  const q = (
    metrics: string[],
    dimensions: string[] = [],
    extra: Record<string, unknown> = {},
  ) => ({
    site_id: BENCH_SITE,
    date_range: range,
    metrics,
    dimensions,
    filters,
    pagination: { limit: 10 },
    ...extra,
  });
  return [
    [
      'totals',
      '/analytics/query',
      q(['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration']),
    ],
    [
      'chart (days)',
      '/analytics/query',
      q(['visitors', 'pageviews'], ['time:day'], {
        include: { time_labels: true },
        pagination: { limit: 10_000 },
      }),
    ],
    ['top pages', '/analytics/query', q(['visitors', 'pageviews'], ['event:page'])],
    ['channels', '/analytics/query', q(['visitors'], ['visit:channel'])],
    ['countries', '/analytics/query', q(['visitors'], ['visit:country'])],
    ['browsers', '/analytics/query', q(['visitors'], ['visit:browser'])],
    ['event types', '/analytics/query', q(['visitors', 'events'], ['event:name'])],
    [
      'goals',
      '/analytics/query',
      q(['visitors', 'events', 'conversion_rate'], ['event:goal'], { pagination: { limit: 100 } }),
    ],
    [
      'property keys',
      '/analytics/property-keys',
      {
        site_id: BENCH_SITE,
        date_range: range,
        filters: [...filters, ['is_not', 'event:name', ['page_view', 'click', 'scroll']]],
      },
    ],
    [
      'funnel, 3 steps',
      '/analytics/funnel',
      {
        site_id: BENCH_SITE,
        date_range: range,
        filters,
        steps: [
          ['is', 'event:page', ['/']],
          ['is', 'event:page', ['/pricing']],
          ['is', 'event:name', ['signup']],
        ],
      },
    ],
  ];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[][] = [];
try {
  for (const view of VIEWS) {
    const queries = queriesOf(view.filters);
    const times = queries.map(() => [] as number[]);
    const walls: number[] = [];
    for (let round = -1; round < rounds; round++) {
      const started = performance.now();
      const each: number[] = [];
      if (values.sequential)
        for (const [, path, body] of queries) each.push(await post(path, body));
      else each.push(...(await Promise.all(queries.map(([, path, body]) => post(path, body)))));
      const wall = performance.now() - started;
      if (round < 0) continue;
      walls.push(wall);
      each.forEach((t, i) => times[i]!.push(t));
    }
    rows.push([
      `**view: ${view.name}** (${values.sequential ? 'one after the other' : 'all at once'})`,
      ms(median(walls)),
      ms(Math.max(...walls)),
    ]);
    queries.forEach(([name], i) =>
      rows.push([`  ${name}`, ms(median(times[i]!)), ms(Math.max(...times[i]!))]),
    );
  }
} finally {
  await server.stop();
}
process.stdout.write(`${markdownTable(['query (30 days)', 'median ms', 'max ms'], rows)}\n`);
