import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { parseStatsRequest } from '../src/domain/stats/parse-request.js';
import { createStatsEngine } from '../src/query/stats/stats-engine.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { dashboardQueries } from './support/dashboard-queries.js';
import { BENCH_SITE } from './support/fill-store.js';
import { markdownTable } from './support/markdown.js';

/**
 * `npx tsx bench/query-time.ts [events] [filter]`: the dashboard's queries, in process against a
 * filled store (bench/fill.ts) — the store's own time without HTTP, for profiling query plans.
 */
const events = Number(process.argv[2] ?? 100_000);
const only = process.argv[3];
const dir = join(tmpdir(), 'clickstream-bench-data', `queries-${events}`);
const { end } = JSON.parse(readFileSync(join(dir, 'bench-fill.json'), 'utf8')) as { end: number };
const secret = createHmac('sha256', readFileSync(join(dir, 'visitor-secret'), 'utf8').trim())
  .update('store visitor keys')
  .digest('hex');
const store = await DuckDbStore.open({
  path: join(dir, 'store.duckdb'),
  rawEventRetentionMs: 0,
  dedupeWindowMs: 3_600_000,
  visitorSecret: secret,
  queryRowBudget: Number(process.env.BUDGET ?? 2_000_000),
});
const engine = createStatsEngine({
  reader: store,
  goals: async () => [],
  timezoneOf: () => 'UTC',
  maxRangeDays: 400,
});
const range: [string, string] = [
  new Date(end - 30 * 86_400_000).toISOString(),
  new Date(end - 1).toISOString(),
];
const rows: string[][] = [];
for (const q of dashboardQueries(BENCH_SITE, range).filter((q) => !only || q.name.includes(only))) {
  const parsed = parseStatsRequest(q.body);
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    const started = performance.now();
    await engine.run(parsed);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  rows.push([q.name, times[4]!.toFixed(1), times[7]!.toFixed(1)]);
}
await store.close();
process.stdout.write(
  `${markdownTable(['query', `p50 ms (${events.toLocaleString('en-US')})`, 'max ms'], rows)}\n`,
);
