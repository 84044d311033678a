import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AggregateQuery } from '../src/domain/analytics-query.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { BENCH_SITE } from './support/fill-store.js';
import { markdownTable } from './support/markdown.js';

/**
 * `npx tsx bench/query-time.ts [events]`: the queries of the query suite, in process against a
 * filled store (bench/fill.ts) — the store's own time without HTTP, for profiling query plans.
 */
const events = Number(process.argv[2] ?? 100_000);
const dir = join(tmpdir(), 'clickstream-bench-data', `queries-${events}`);
const { end } = JSON.parse(readFileSync(join(dir, 'bench-fill.json'), 'utf8')) as { end: number };
const store = new SqliteStore({ path: join(dir, 'store.db'), rawEventRetentionMs: 0 });
const base = { siteId: BENCH_SITE, from: end - 30 * 86_400_000, to: end, includeBots: false };
const cases: Record<string, AggregateQuery> = {
  'page views of / (counters)': { ...base, metrics: ['pageviews', 'events'], groupBy: { kind: 'none' }, page: '/' },
  'visitors of /': { ...base, metrics: ['visitors'], groupBy: { kind: 'none' }, page: '/' },
  'time series by hour': { ...base, metrics: ['pageviews', 'visitors'], groupBy: { kind: 'time', granularity: 'hour' } },
  'top pages (pageviews)': { ...base, metrics: ['pageviews'], groupBy: { kind: 'dimension', dimension: 'page' }, limit: 10 },
  'top pages (with visitors)': { ...base, metrics: ['pageviews', 'visitors'], groupBy: { kind: 'dimension', dimension: 'page' }, limit: 10 },
  'visitors of the site': { ...base, metrics: ['visitors'], groupBy: { kind: 'none' } },
};
const rows: string[][] = [];
for (const [name, query] of Object.entries(cases)) {
  for (let i = 0; i < 5; i++) await store.legacyAggregate(query);
  const started = performance.now();
  for (let i = 0; i < 30; i++) await store.legacyAggregate(query);
  rows.push([name, ((performance.now() - started) / 30).toFixed(2)]);
}
await store.close();
process.stdout.write(`${markdownTable(['query', `ms (${events.toLocaleString('en-US')} events)`], rows)}\n`);
