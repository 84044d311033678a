import { HyperLogLog } from '../../domain/hyperloglog.js';
import type { AggregatePlan, GroupAggregate } from '../../domain/stats/aggregate-plan.js';
import { PAGE_VIEW } from '../../domain/tracked-event.js';
import { decomposeRange } from '../../domain/time-buckets.js';
import type { AggregateSource, CounterRead } from '../aggregate-source.js';
import type { RollupShape } from '../rollup-shape.js';
import { DAY_MS, dayOf } from './bucket-partitions.js';
import type { Statements } from './cassandra-statements.js';
import type { CqlSession } from './cql-session.js';
import type { RawEventScan } from './raw-event-scan.js';

const HOUR_MS = 3_600_000;

/**
 * The site's or one page's counts and visitors answered from the store's hourly and daily counter
 * rows and visitor sketches (written with the events, exactly once), plus the raw events of the
 * partial hours at the range's ends: exactly what the raw events give (a sketch merge is a union
 * of visitors), from a few partitions instead of every event. Visits are not kept there: a plan
 * that needs them reads raw events. Days a visitor was erased from are marked stale (the counters
 * are anonymous and keep them), and a range holding one is answered from the raw events too.
 */
export function createCounterRollups(cql: CqlSession, st: Statements, source: AggregateSource, scan: RawEventScan) {
  return {
    async answer(plan: AggregatePlan, shape: RollupShape): Promise<{ parts: Array<Partial<GroupAggregate> & { key: string[] }>; read: number } | null> {
      if (plan.needs.visits) return null;
      const whole = { from: Math.ceil(plan.from / HOUR_MS) * HOUR_MS, to: Math.floor(plan.to / HOUR_MS) * HOUR_MS };
      if (whole.from < whole.to) {
        const stale = await cql.rows(st.staleDays, [plan.siteId, new Date(dayOf(whole.from)), new Date(whole.to)]);
        if (stale.length > 0) return null;
      }
      const buckets = new Map<number, { events: number; pageviews: number; sketch: HyperLogLog }>();
      const into = (time: number) => {
        const bucket = shape.byDay ? Math.floor(time / DAY_MS) * DAY_MS : 0;
        let b = buckets.get(bucket);
        if (!b) buckets.set(bucket, (b = { events: 0, pageviews: 0, sketch: new HyperLogLog() }));
        return b;
      };
      let read = 0;
      if (whole.from < whole.to) {
        const counterRead: CounterRead = {
          siteId: plan.siteId,
          dimension: shape.dimension === 'page' ? 'page' : 'total',
          values: shape.dimension === 'page' ? [shape.value] : undefined,
          spans: decomposeRange(whole.from, whole.to, ['hour', 'day']),
          includeBots: plan.includeBots,
          groupBy: 'bucket',
        };
        for (const [bucket, sum] of await source.sumCounters(counterRead)) {
          const b = into(Number(bucket));
          b.events += sum.events;
          b.pageviews += sum.pageviews;
          read++;
        }
        if (plan.needs.visitors) for (const [bucket, sketch] of await source.mergeSketches(counterRead)) into(Number(bucket)).sketch.merge(sketch);
      }
      const edges: Array<[number, number]> = whole.from < whole.to ? [[plan.from, whole.from], [whole.to, plan.to]] : [[plan.from, plan.to]];
      for (const [from, to] of edges) {
        if (from >= to) continue;
        for (const event of await scan.events(plan.siteId, from, to)) {
          read++;
          if ((!plan.includeBots && event.is_bot) || (shape.dimension === 'page' && event.page !== shape.value)) continue;
          const b = into(event.timestamp);
          b.events++;
          if (event.event_type === PAGE_VIEW) b.pageviews++;
          b.sketch.addPosition(HyperLogLog.position(event.visitor_id));
        }
      }
      const parts = [...buckets].filter(([, b]) => b.events > 0).map(([bucket, b]) => ({
        key: shape.byDay ? [String(bucket)] : [],
        ...(plan.needs.counts ? { events: b.events, pageviews: b.pageviews } : {}),
        ...(plan.needs.visitors ? { visitorRanks: [...b.sketch.rankHistogram()] } : {}),
      }));
      return { parts, read };
    },

    /** Marks the days of erased events stale: rollups no longer answer ranges holding them. */
    async markStale(siteId: string, days: readonly number[]): Promise<void> {
      await cql.map([...new Set(days)], (day) => cql.execute(st.insertStaleDay, [siteId, new Date(day)]));
    },
  };
}
