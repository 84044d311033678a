import type { DuckDBConnection } from '@duckdb/node-api';
import { HLL_REGISTERS, HyperLogLog } from '../../domain/hyperloglog.js';
import type { AggregatePlan, GroupAggregate } from '../../domain/stats/aggregate-plan.js';
import type { RollupShape } from '../rollup-shape.js';
import { DAY_MS, readRollups } from './daily-rollups.js';
import { eventsOfRegisters } from './duckdb-schema.js';
import { int, Params } from './duckdb-sql.js';

/**
 * The event side of a plan of rollup shape: whole UTC days from the rollups, the partial days at
 * the range's ends from the raw events, merged register by register (a sketch merge is a union of
 * visitors, so the answer is the raw events' exactly). Groups are keyed like the raw path's.
 */
export async function eventsFromRollups(
  connection: DuckDBConnection,
  plan: AggregatePlan,
  shape: RollupShape,
): Promise<{ parts: Array<Partial<GroupAggregate> & { key: string[] }>; read: number }> {
  const firstDay = Math.ceil(plan.from / DAY_MS);
  const lastDay = Math.floor(plan.to / DAY_MS);
  const days =
    firstDay < lastDay
      ? await readRollups(connection, {
          siteId: plan.siteId,
          dimension: shape.dimension,
          value: shape.value,
          fromDay: firstDay,
          toDay: lastDay,
          includeBots: plan.includeBots,
        })
      : new Map<number, { events: number; pageviews: number; sketch: HyperLogLog }>();
  const buckets = new Map<number, { events: number; pageviews: number; sketch: HyperLogLog }>();
  const bucketOf = (day: number): number => (shape.byDay ? day * DAY_MS : 0);
  const into = (day: number) => {
    const bucket = bucketOf(day);
    let b = buckets.get(bucket);
    if (!b) buckets.set(bucket, (b = { events: 0, pageviews: 0, sketch: new HyperLogLog() }));
    return b;
  };
  let read = 0;
  for (const [day, row] of days) {
    const b = into(day);
    b.events += row.events;
    b.pageviews += row.pageviews;
    b.sketch.merge(row.sketch);
    read++;
  }
  // The edges: [from, first whole day) and [last whole day, to), or the whole range within one day.
  const edges =
    firstDay < lastDay
      ? [
          [plan.from, firstDay * DAY_MS],
          [lastDay * DAY_MS, plan.to],
        ]
      : [[plan.from, plan.to]];
  for (const [from, to] of edges as Array<[number, number]>) {
    if (from >= to) continue;
    const p = new Params();
    const where = [
      `site_id = ${p.bind(plan.siteId)}`,
      `ts >= ${int(from)}`,
      `ts < ${int(to)}`,
      ...(plan.includeBots ? [] : ['NOT is_bot']),
      ...(shape.dimension === 'page' ? [`page = ${p.bind(shape.value)}`] : []),
    ];
    const rows = await connection.runAndReadAll(
      `SELECT ts // ${DAY_MS} AS day, hll_reg, max(hll_rank), count(*), count_if(is_pageview) FROM ${eventsOfRegisters(HLL_REGISTERS)} WHERE ${where.join(' AND ')} GROUP BY ALL`,
      p.values,
    );
    for (const [day, reg, rank, events, pageviews] of rows.getRows()) {
      const b = into(Number(day));
      b.events += Number(events);
      b.pageviews += Number(pageviews);
      b.sketch.addPosition({ index: Number(reg), rank: Number(rank) });
      read += Number(events);
    }
  }
  const parts = [...buckets]
    .filter(([, b]) => b.events > 0)
    .map(([bucket, b]) => ({
      key: shape.byDay ? [String(bucket)] : [],
      ...(plan.needs.counts ? { events: b.events, pageviews: b.pageviews } : {}),
      ...(plan.needs.visitors ? { visitorRanks: [...b.sketch.rankHistogram()] } : {}),
    }));
  return { parts, read };
}
