import { parseStatsRequest } from '../src/domain/stats/parse-request.js';
import type { TrackedEvent } from '../src/domain/tracked-event.js';
import type { StoreBatch } from '../src/ports/event-store.js';
import { createStatsEngine } from '../src/query/stats/stats-engine.js';
import {
  createCassandraClient,
  type CassandraOptions,
} from '../src/store/cassandra/cassandra-options.js';
import { migrate } from '../src/store/cassandra/cassandra-schema.js';
import { openCassandraStore } from '../src/store/cassandra/cassandra-store.js';
import { dashboardQueries } from './support/dashboard-queries.js';
import { markdownTable } from './support/markdown.js';
import { BENCH_SITE, syntheticTraffic } from './support/synthetic-traffic.js';

/**
 * `npx tsx bench/cassandra-query-time.ts [events] [filter]`: the dashboard's queries in process
 * against a Cassandra node (CASSANDRA_CONTACT_POINTS, default 127.0.0.1:9042) holding `events`
 * synthetic events of 30 days (keyspace clickstream_bench_<events>, filled once through the
 * store's commit and reused). The store's own time, without HTTP. BUDGET sets the raw-row budget.
 */
const events = Number(process.argv[2] ?? 1_000_000);
const only = process.argv[3];
const runs = Number(process.env.RUNS ?? 8);
const PARTITIONS = 8;
const BATCH = 2_000;
const options: CassandraOptions = {
  contactPoints: (process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042').split(','),
  localDataCenter: 'datacenter1',
  keyspace: `clickstream_bench_${events}`,
  replication: 'SimpleStrategy:1',
  consistency: 'LOCAL_ONE',
  rawEventRetentionMs: 0,
  queryRowBudget: Number(process.env.BUDGET ?? 100_000),
};

const admin = createCassandraClient(options);
await admin.connect();
await migrate(admin, options.keyspace, options.replication);
const plan = await admin
  .execute(`SELECT value FROM ${options.keyspace}.bench_plan WHERE name = 'end'`)
  .catch(() => null);
let end: number;
if (plan?.rows[0]) end = Number(plan.rows[0].get('value'));
else {
  end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  await admin.execute(
    `CREATE TABLE IF NOT EXISTS ${options.keyspace}.bench_plan (name text PRIMARY KEY, value bigint)`,
  );
  await admin.execute(
    `INSERT INTO ${options.keyspace}.bench_plan (name, value) VALUES ('end', ?)`,
    [end],
    { prepare: true },
  );
}
await admin.shutdown();

const store = await openCassandraStore(options);
await fill();
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
const pageViews = {
  name: "page views of one page (the product description's query)",
  body: {
    site_id: BENCH_SITE,
    date_range: range,
    metrics: ['pageviews', 'visitors'],
    filters: [['is', 'event:page', ['/']]],
  },
};
for (const q of [pageViews, ...dashboardQueries(BENCH_SITE, range)].filter(
  (q) => !only || q.name.includes(only),
)) {
  const parsed = parseStatsRequest(q.body);
  const times: number[] = [];
  let meta = '';
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const { answer } = await engine.run(parsed);
    times.push(performance.now() - started);
    meta = `${answer.meta.exact ? 'exact' : `sample ${answer.meta.sample_fraction}`}, ${answer.meta.rows_read.toLocaleString('en-US')} rows`;
  }
  times.sort((a, b) => a - b);
  rows.push([q.name, times[Math.floor(runs / 2)]!.toFixed(0), times[runs - 1]!.toFixed(0), meta]);
  process.stderr.write(`${rows.at(-1)!.join(' | ')}\n`);
}
await store.close();
process.stdout.write(
  `${markdownTable(['query', `p50 ms (${events.toLocaleString('en-US')}, Cassandra)`, 'max ms', 'answer'], rows)}\n`,
);

/** Commits the synthetic events not yet stored, a visitor's events always through the same partition. */
async function fill(): Promise<void> {
  const done = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => store.checkpoint(p)));
  const stored = done.reduce<number>((n, c) => n + (c ?? 0), 0);
  if (stored >= events) return;
  const started = Date.now();
  const batches: TrackedEvent[][] = Array.from({ length: PARTITIONS }, () => []);
  const offsets = done.map((c) => c ?? 0);
  const seen = [...offsets];
  // One commit at a time per partition (its checkpoint is compare-and-set), the partitions in parallel.
  const chains: Array<Promise<unknown>> = Array.from({ length: PARTITIONS }, () =>
    Promise.resolve(),
  );
  let flushes = 0;
  const flush = async (p: number): Promise<void> => {
    const batch = batches[p]!;
    batches[p] = [];
    offsets[p]! += batch.length;
    const nextOffset = offsets[p]!;
    chains[p] = chains[p]!.then(() => commitRetrying({ partition: p, nextOffset, events: batch }));
    if (++flushes % PARTITIONS === 0) await Promise.all(chains);
  };
  let written = 0;
  for (const event of syntheticTraffic(end, events)) {
    const p = partitionOf(event.visitor_id);
    written++;
    if (seen[p]! > 0) {
      seen[p]!--;
      continue;
    }
    batches[p]!.push(event);
    if (batches[p]!.length >= BATCH) await flush(p);
    if (written % 100_000 === 0)
      process.stderr.write(
        `filled ${written.toLocaleString('en-US')} (${Math.round(written / ((Date.now() - started) / 1000))} ev/s)\n`,
      );
  }
  for (let p = 0; p < PARTITIONS; p++) if (batches[p]!.length > 0) await flush(p);
  await Promise.all(chains);
  process.stderr.write(
    `filled ${events.toLocaleString('en-US')} events in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
}

/** As the processor does: a failed commit (a timeout of an overloaded node) is retried, a replay the store counts once. */
async function commitRetrying(batch: StoreBatch): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.commit(batch);
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
      process.stderr.write(
        `commit of partition ${batch.partition} failed (${(error as Error).message.slice(0, 80)}), retrying\n`,
      );
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

function partitionOf(visitorId: string): number {
  let h = 0;
  for (let i = 0; i < visitorId.length; i++) h = (h * 31 + visitorId.charCodeAt(i)) | 0;
  return Math.abs(h) % PARTITIONS;
}
