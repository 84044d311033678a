import type { DuckDBConnection } from '@duckdb/node-api';
import type { FunnelCounts, FunnelPlan } from '../../domain/funnel.js';
import type { VisitSteps } from '../../ports/funnel-reader.js';
import { filterSql, isVisitOnly, type SqlContext } from './duckdb-filter.js';
import { int, Params } from './duckdb-sql.js';

/**
 * Funnels in SQL (docs/funnels.md). The counted visits are those the general query counts (they
 * start in the range; filters pick them as they pick visits); their counted events that match a
 * step are `ev`, with one boolean column per step. Step n + 1 is reached at the first event at or
 * after step n's moment (`ts >=`: events of one instant may be taken in any order), one join per
 * step on the few visits still in the funnel. Visitors are counted exactly, at the deepest step
 * any of their visits reached.
 */
function stepEvents(plan: FunnelPlan, ctx: SqlContext): { sql: string; flags: string[] } {
  const site = ctx.params.bind(plan.siteId);
  const visitWhere = [
    `v.site_id = ${site}`,
    `v.start_ts >= ${int(plan.from)}`,
    `v.start_ts < ${int(plan.to)}`,
    ...(plan.includeBots ? [] : ['NOT v.is_bot']),
  ];
  const eventWhere = [
    `e.site_id = ${site}`,
    `e.ts >= ${int(plan.from)}`,
    `e.ts < ${int(plan.to)}`,
    ...(plan.includeBots ? [] : ['NOT e.is_bot']),
  ];
  if (plan.filter && isVisitOnly(plan.filter))
    visitWhere.push(filterSql(plan.filter, 'visits', ctx));
  else if (plan.filter)
    visitWhere.push(
      `v.visit_id IN (SELECT e.visit_id FROM events e WHERE ${[...eventWhere, filterSql(plan.filter, 'events', ctx)].join(' AND ')})`,
    );
  const flags = plan.steps.map((_, i) => `s${i}`);
  const steps = plan.steps.map(
    (step, i) => `coalesce(${filterSql(step, 'events', ctx)}, FALSE) AS s${i}`,
  );
  const sql = `SELECT e.visit_id, e.visitor_key, e.ts, ${steps.join(', ')} FROM events e
    WHERE ${eventWhere.join(' AND ')} AND e.visit_id IN (SELECT v.visit_id FROM all_visits v WHERE ${visitWhere.join(' AND ')})`;
  return { sql: `SELECT * FROM (${sql}) WHERE ${flags.join(' OR ')}`, flags };
}

export async function funnelDuckDb(
  connection: DuckDBConnection,
  plan: FunnelPlan,
): Promise<FunnelCounts> {
  const params = new Params();
  const { sql, flags } = stepEvents(plan, { params, siteId: plan.siteId });
  const reached = flags.map((flag, i) =>
    i === 0
      ? `d0 AS (SELECT visit_id, any_value(visitor_key) AS visitor_key, min(ts) AS t FROM ev WHERE ${flag} GROUP BY visit_id)`
      : `d${i} AS (SELECT d.visit_id, d.visitor_key, min(ev.ts) AS t FROM d${i - 1} d JOIN ev ON ev.visit_id = d.visit_id AND ev.ts >= d.t WHERE ev.${flag} GROUP BY d.visit_id, d.visitor_key)`,
  );
  const counts = flags.map((_, i) => `(SELECT count(DISTINCT visitor_key) FROM d${i})`);
  const query = `WITH ev AS MATERIALIZED (${sql}), ${reached.join(', ')} SELECT ${[...counts, '(SELECT count(*) FROM ev)'].join(', ')}`;
  const row = (await connection.runAndReadAll(query, params.values)).getRows()[0] ?? [];
  const values = row.map(Number);
  return { visitors: values.slice(0, flags.length), rowsRead: values[flags.length] ?? 0 };
}

/** The counted visits' step events, visit by visit in time order (for the store-independent funnel). */
export async function visitStepsDuckDb(
  connection: DuckDBConnection,
  plan: FunnelPlan,
  each: (visit: VisitSteps) => void,
): Promise<{ rowsRead: number }> {
  const params = new Params();
  const { sql, flags } = stepEvents(plan, { params, siteId: plan.siteId });
  const mask = flags.map((flag, i) => `CASE WHEN ${flag} THEN ${2 ** i} ELSE 0 END`).join(' + ');
  const rows = (
    await connection.runAndReadAll(
      `SELECT visit_id, CAST(visitor_key AS VARCHAR), ts, ${mask} FROM (${sql}) ORDER BY visit_id, ts`,
      params.values,
    )
  ).getRows();
  let visitId: unknown;
  let visit: { visitor: string; events: Array<{ ts: number; matches: number }> } | undefined;
  for (const [id, visitor, ts, matches] of rows) {
    if (visit === undefined || id !== visitId) {
      if (visit) each(visit);
      visitId = id;
      visit = { visitor: String(visitor), events: [] };
    }
    visit.events.push({ ts: Number(ts), matches: Number(matches) });
  }
  if (visit) each(visit);
  return { rowsRead: rows.length };
}

/** The property keys of a plan's counted events, the most used first. */
export async function propertyKeysDuckDb(
  connection: DuckDBConnection,
  plan: Pick<FunnelPlan, 'siteId' | 'from' | 'to' | 'includeBots' | 'filter'>,
  limit: number,
): Promise<Array<{ key: string; events: number }>> {
  const params = new Params();
  const ctx: SqlContext = { params, siteId: plan.siteId };
  const where = [
    `e.site_id = ${params.bind(plan.siteId)}`,
    `e.ts >= ${int(plan.from)}`,
    `e.ts < ${int(plan.to)}`,
    'e.props IS NOT NULL',
    ...(plan.includeBots ? [] : ['NOT e.is_bot']),
  ];
  if (plan.filter) where.push(filterSql(plan.filter, 'events', ctx));
  const sql = `SELECT k, count(*) AS n FROM (SELECT unnest(map_keys(e.props)) AS k FROM events e WHERE ${where.join(' AND ')}) GROUP BY k ORDER BY n DESC, k LIMIT ${int(limit)}`;
  return (await connection.runAndReadAll(sql, params.values))
    .getRows()
    .map(([key, n]) => ({ key: String(key), events: Number(n) }));
}
