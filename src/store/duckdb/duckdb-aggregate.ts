import type { DuckDBConnection } from '@duckdb/node-api';
import { HLL_REGISTERS, HyperLogLog } from '../../domain/hyperloglog.js';
import {
  emptyRanks,
  mergeGroupParts,
  type AggregatePlan,
  type AggregateResult,
  type GroupAggregate,
  type GroupKey,
} from '../../domain/stats/aggregate-plan.js';
import { filterSql, groupSql, isVisitOnly, type SqlContext } from './duckdb-filter.js';
import { eventsOfRegisters, REGISTERS_PER_SHARD } from './duckdb-schema.js';
import { rollupShape } from '../rollup-shape.js';
import { eventsFromRollups } from './rollup-answers.js';
import { int, Params } from './duckdb-sql.js';

/**
 * Answers an aggregate plan with SQL over the raw events and visits (docs/query.md, "Which events
 * and visits a query counts"). One scan of the events gives counts and the visitors' rank
 * histogram per group (registers grouped by rank, so the estimate is computed in TypeScript from
 * integers, the same on every store); visits are summed in a second query.
 */
export async function aggregateDuckDb(
  connection: DuckDBConnection,
  plan: AggregatePlan,
  registers = HLL_REGISTERS,
  rollups = true,
): Promise<AggregateResult> {
  const parts: Array<Partial<GroupAggregate> & { key: string[] }> = [];
  let rowsRead = 0;
  const shape = rollups ? rollupShape(plan) : null;
  if (shape) {
    // The site's or a page's counts and visitors come from the daily rollups, exactly, whatever
    // the range's size: no sample. Visits (only asked with the site's totals) are read whole.
    const events = await eventsFromRollups(connection, plan, shape);
    const visits = plan.needs.visits
      ? await visitSums(connection, plan, { registers: HLL_REGISTERS })
      : { parts: [], read: 0 };
    return {
      groups: mergeGroupParts([...events.parts, ...visits.parts]),
      rowsRead: events.read + visits.read,
      sampleFraction: 1,
    };
  }
  const sample: Sample = { registers };
  const eventSide = plan.needs.counts || plan.needs.visitors || plan.needs.scroll;
  if (eventSide) {
    const rows = await eventSums(connection, plan, sample);
    rowsRead += rows.read;
    parts.push(...rows.parts);
  }
  if (plan.needs.visits) {
    const rows = await visitSums(connection, plan, sample);
    rowsRead += rows.read;
    parts.push(...rows.parts);
  }
  const sampleFraction = registers / HLL_REGISTERS;
  if (sampleFraction === 1) return { groups: mergeGroupParts(parts), rowsRead, sampleFraction };
  return {
    groups: mergeGroupParts(parts),
    rowsRead,
    sampleFraction,
    registers,
    relativeError95: await countError(connection, plan, sample),
  };
}

/**
 * A sample of the visitors whose register index is below `registers` (HLL_REGISTERS: all). A
 * visitor is in or out whole, and their registers are complete, so visitors are estimated from
 * those registers alone (HyperLogLog.estimateRanks) and counts scaled by the fraction.
 */
interface Sample {
  registers: number;
}

/** The sample's condition; events need none when their shards hold exactly the sampled registers. */
const sampled = (alias: 'e' | 'v', sample: Sample): string[] =>
  sample.registers >= HLL_REGISTERS ||
  (alias === 'e' && sample.registers % REGISTERS_PER_SHARD === 0)
    ? []
    : [`${alias}.hll_reg < ${int(sample.registers)}`];

/**
 * The relative error 95 % of the sampled totals stay within: each visitor is in the sample with
 * chance f, so the scaled total's variance is (1 − f)/f² × Σ c² over the sampled visitors' counts c.
 */
async function countError(
  connection: DuckDBConnection,
  plan: AggregatePlan,
  sample: Sample,
): Promise<number> {
  const params = new Params();
  const ctx: SqlContext = { params, siteId: plan.siteId };
  const events = countedEvents({ ...plan, groupBy: [] }, ctx, 'e.visitor_key', sample);
  const [row] = (
    await connection.runAndReadAll(
      `WITH ev AS (${events}) SELECT sum(c * c), sum(c) FROM (SELECT visitor_key, count(*) AS c FROM ev GROUP BY visitor_key)`,
      params.values,
    )
  ).getRows();
  const [squares, total] = [Number(row?.[0] ?? 0), Number(row?.[1] ?? 0)];
  const f = sample.registers / HLL_REGISTERS;
  return total === 0
    ? 1
    : Math.round(((1.96 * Math.sqrt((1 - f) * squares)) / total) * 10_000) / 10_000;
}

const keyColumns = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i}`);

/** The counted events of the plan, each with its group key columns k0…kn. */
function countedEvents(
  plan: AggregatePlan,
  ctx: SqlContext,
  extra: string,
  sample: Sample,
): string {
  const exitPage = plan.groupBy.some(
    (k) => k.kind === 'attribute' && k.dimension === 'visit:exit_page',
  );
  const keys = plan.groupBy.map(
    (key, i) =>
      `${exitPage && isExitPage(key) ? 'v.visit_exit_page' : groupSql(key, 'events', ctx)} AS k${i}`,
  );
  const where = [
    `e.site_id = ${ctx.params.bind(plan.siteId)}`,
    `e.ts >= ${int(plan.from)}`,
    `e.ts < ${int(plan.to)}`,
    ...(plan.includeBots ? [] : ['NOT e.is_bot']),
    ...sampled('e', sample),
    ...(plan.filter ? [filterSql(plan.filter, 'events', ctx)] : []),
  ];
  // A sampled event's visit is in the sample too (the same visitor): join those visits only.
  const visits =
    sample.registers >= HLL_REGISTERS
      ? 'all_visits'
      : `(SELECT site_id, visit_id, visit_exit_page FROM all_visits WHERE hll_reg < ${int(sample.registers)})`;
  const join = exitPage
    ? `LEFT JOIN ${visits} v ON v.site_id = e.site_id AND v.visit_id = e.visit_id`
    : '';
  return `SELECT ${[...keys, extra].join(', ')} FROM ${eventsOfRegisters(sample.registers)} e ${join} WHERE ${where.join(' AND ')}`;
}

function isExitPage(key: GroupKey): boolean {
  return key.kind === 'attribute' && key.dimension === 'visit:exit_page';
}

async function eventSums(connection: DuckDBConnection, plan: AggregatePlan, sample: Sample) {
  const params = new Params();
  const ctx: SqlContext = { params, siteId: plan.siteId };
  const k = keyColumns(plan.groupBy.length);
  const by = (extra: string[]) => [...k, ...extra].join(', ') || 'ALL';
  const events = countedEvents(
    plan,
    ctx,
    'e.hll_reg, e.hll_rank, e.is_pageview, e.visit_id, e.page, e.scroll_depth',
    sample,
  );
  const parts: Array<Partial<GroupAggregate> & { key: string[] }> = [];
  let read = 0;
  const keyOf = (row: readonly unknown[]): string[] => row.slice(0, k.length).map(String);

  if (plan.needs.visitors && plan.top && k.length > 0) {
    parts.push(...(await topVisitors(connection, plan, events, params, k, sample, plan.top.limit)));
    read += parts.reduce((n, g) => n + (g.events ?? 0), 0);
  } else if (plan.needs.visitors) {
    const groups = await visitorRanks(connection, events, params, k, sample, null);
    for (const group of groups.values()) {
      read += group.events!;
      if (!plan.needs.counts) {
        delete group.events;
        delete group.pageviews;
      }
      parts.push(group);
    }
  } else if (plan.needs.counts) {
    const sql = `WITH ev AS (${events}) SELECT ${[...k, 'count(*)', 'count_if(is_pageview)'].join(', ')} FROM ev ${k.length ? `GROUP BY ${k.join(', ')}` : ''}`;
    for (const row of (await connection.runAndReadAll(sql, params.values)).getRows()) {
      const [events, pageviews] = row.slice(k.length).map(Number) as [number, number];
      if (events === 0) continue;
      read += events;
      parts.push({ key: keyOf(row), events, pageviews });
    }
  }
  if (plan.needs.scroll) {
    const scrollParams = new Params();
    const scrollCtx: SqlContext = { params: scrollParams, siteId: plan.siteId };
    const scrollEvents = countedEvents(
      plan,
      scrollCtx,
      'e.is_pageview, e.visit_id, e.page, e.scroll_depth',
      sample,
    );
    const sql = `WITH ev AS (${scrollEvents})
      SELECT ${[...k, 'sum(d)', 'count(*)'].join(', ')}
      FROM (SELECT ${[...k, 'visit_id', 'page'].join(', ')}, max(coalesce(scroll_depth, 0)) AS d FROM ev GROUP BY ${by(['visit_id', 'page'])} HAVING bool_or(is_pageview))
      ${k.length ? `GROUP BY ${k.join(', ')}` : ''}`;
    for (const row of (await connection.runAndReadAll(sql, scrollParams.values)).getRows()) {
      const [depth, pages] = row.slice(k.length).map(Number) as [number, number];
      if (pages > 0) parts.push({ key: keyOf(row), scrollDepthSum: depth, scrollPages: pages });
    }
  }
  return { parts, read };
}

type RankedGroup = Partial<GroupAggregate> & { key: string[]; visitorRanks: number[] };

/**
 * Per group: events, page views and the visitors' rank histogram (per group and register the
 * highest rank, then per group the registers at each rank). `only`: just these groups' keys.
 */
async function visitorRanks(
  connection: DuckDBConnection,
  events: string,
  params: Params,
  k: readonly string[],
  sample: Sample,
  only: ReadonlyArray<readonly string[]> | null,
): Promise<Map<string, RankedGroup>> {
  const by = (extra: string[]) => [...k, ...extra].join(', ');
  const values = [...params.values];
  let where = '';
  if (only !== null) {
    const p = new Params();
    p.values.push(...values);
    where = `WHERE (${k.join(', ')}) IN (${only.map((key) => `(${key.map((v) => p.bind(v)).join(', ')})`).join(', ')})`;
    values.splice(0, values.length, ...p.values);
  }
  const sql = `WITH ev AS (${events})
    SELECT ${by(['r'])}, count(*) AS registers, sum(n) AS events, sum(pv) AS pageviews
    FROM (SELECT ${by(['hll_reg'])}, max(hll_rank) AS r, count(*) AS n, count_if(is_pageview) AS pv FROM ev ${where} GROUP BY ${by(['hll_reg'])})
    GROUP BY ${by(['r'])}`;
  const groups = new Map<string, RankedGroup>();
  for (const row of (await connection.runAndReadAll(sql, values)).getRows()) {
    const key = row.slice(0, k.length).map(String);
    const id = key.join('\u0000');
    let group = groups.get(id);
    if (!group)
      groups.set(
        id,
        (group = { key, events: 0, pageviews: 0, visitorRanks: emptyRanks(sample.registers) }),
      );
    const [rank, registers, n, pv] = row.slice(k.length).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    group.visitorRanks[rank] = registers;
    group.visitorRanks[0]! -= registers;
    group.events! += n;
    group.pageviews! += pv;
  }
  return groups;
}

/**
 * Visitors of the groups that can be among the `limit` with the most visitors. A group's visitors
 * never exceed its events (each visitor has one at least) beyond the estimate's error, so groups
 * are taken by events, most first, until the next one's events could not reach the visitors of
 * the `limit`-th: the others keep their counts and go without visitors. The order of the first
 * `limit` is the same as if every group had been estimated.
 */
async function topVisitors(
  connection: DuckDBConnection,
  plan: AggregatePlan,
  events: string,
  params: Params,
  k: readonly string[],
  sample: Sample,
  limit: number,
): Promise<Array<Partial<GroupAggregate> & { key: string[] }>> {
  const counts = (
    await connection.runAndReadAll(
      `WITH ev AS (${events}) SELECT ${k.join(', ')}, count(*), count_if(is_pageview) FROM ev GROUP BY ${k.join(', ')}`,
      params.values,
    )
  )
    .getRows()
    .map((row) => ({
      key: row.slice(0, k.length).map(String),
      events: Number(row[k.length]),
      pageviews: Number(row[k.length + 1]),
    }))
    .sort((a, b) => b.events - a.events);
  const ranked = new Map<string, RankedGroup>();
  const bound = (n: number): number => n * 1.25 + 3;
  let next = 0;
  for (
    let round = Math.max(2 * limit, limit + 10);
    next < counts.length;
    round = Math.max(round, 64)
  ) {
    const batch = counts.slice(next, next + round);
    next += batch.length;
    for (const [id, group] of await visitorRanks(
      connection,
      events,
      params,
      k,
      sample,
      batch.map((g) => g.key),
    ))
      ranked.set(id, group);
    const estimates = [...ranked.values()]
      .map((g) => HyperLogLog.estimateRanks(g.visitorRanks, sample.registers))
      .sort((a, b) => b - a);
    const threshold = estimates.length >= limit ? estimates[limit - 1]! : -Infinity;
    if (next < counts.length && bound(counts[next]!.events) < threshold) break;
  }
  return counts.map((g) => {
    const group = ranked.get(g.key.join('\u0000'));
    const visitorRanks = group?.visitorRanks ?? null;
    return plan.needs.counts ? { ...g, visitorRanks } : { key: g.key, visitorRanks };
  });
}

async function visitSums(connection: DuckDBConnection, plan: AggregatePlan, sample: Sample) {
  const params = new Params();
  const ctx: SqlContext = { params, siteId: plan.siteId };
  const k = keyColumns(plan.groupBy.length);
  const keys = plan.groupBy.map((key, i) => `${groupSql(key, 'visits', ctx)} AS k${i}`);
  const where = [
    `v.site_id = ${params.bind(plan.siteId)}`,
    `v.start_ts >= ${int(plan.from)}`,
    `v.start_ts < ${int(plan.to)}`,
    ...(plan.includeBots ? [] : ['NOT v.is_bot']),
    ...sampled('v', sample),
  ];
  if (plan.filter && isVisitOnly(plan.filter)) where.push(filterSql(plan.filter, 'visits', ctx));
  else if (plan.filter) {
    // A visit counts when one of its counted events makes the filter hold.
    const eventWhere = [
      `e.site_id = ${params.bind(plan.siteId)}`,
      `e.ts >= ${int(plan.from)}`,
      `e.ts < ${int(plan.to)}`,
      ...(plan.includeBots ? [] : ['NOT e.is_bot']),
      ...sampled('e', sample),
      filterSql(plan.filter, 'events', ctx),
    ];
    where.push(
      `v.visit_id IN (SELECT e.visit_id FROM ${eventsOfRegisters(sample.registers)} e WHERE ${eventWhere.join(' AND ')})`,
    );
  }
  const measures = [
    'count(*)',
    'count_if(v.pageviews <= 1 AND v.interactions = 0)',
    'coalesce(sum(v.end_ts - v.start_ts), 0)',
    'coalesce(sum(v.pageviews), 0)',
  ];
  const sql = `SELECT ${[...keys, ...measures].join(', ')} FROM all_visits v WHERE ${where.join(' AND ')} ${k.length ? `GROUP BY ${k.join(', ')}` : ''}`;
  const parts: Array<Partial<GroupAggregate> & { key: string[] }> = [];
  let read = 0;
  for (const row of (await connection.runAndReadAll(sql, params.values)).getRows()) {
    const [visits, bounces, duration, pageviews] = row.slice(k.length).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    if (visits === 0) continue;
    read += visits;
    parts.push({
      key: row.slice(0, k.length).map(String),
      visits,
      bounces,
      visitDurationMs: duration,
      visitPageviews: pageviews,
    });
  }
  return { parts, read };
}
