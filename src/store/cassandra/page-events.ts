import { HyperLogLog } from '../../domain/hyperloglog.js';
import type { AggregatePlan, GroupAggregate } from '../../domain/stats/aggregate-plan.js';
import { PAGE_VIEW } from '../../domain/tracked-event.js';
import { DAY_MS, dayOf } from './bucket-partitions.js';
import type { Statements } from './cassandra-statements.js';
import { numberOf, textOf } from './cassandra-values.js';
import { decodePageBody } from './scan-body.js';
import type { CqlSession } from './cql-session.js';

/**
 * One page's counts and visitors (the product description's page-view query, a page's chart)
 * from events_by_page: that page's raw events only, one partition per UTC day, exactly what a
 * scan of every event gives. Not the counter rows: on a 3-node cluster with a node down they were
 * seen to lose deltas (test/faults/node-loss.test.ts), while the raw events were complete.
 */
export function createPageEvents(cql: CqlSession, st: Statements) {
  return {
    async answer(
      plan: AggregatePlan,
      page: string,
      byDay: boolean,
    ): Promise<{ parts: Array<Partial<GroupAggregate> & { key: string[] }>; read: number }> {
      const days = (
        await cql.rows(st.siteDays, [plan.siteId, new Date(dayOf(plan.from)), new Date(plan.to)])
      ).map((row) => numberOf(row.get('day')));
      const perDay = await cql.map(days, (day) =>
        cql.rows(st.pageEventsBetween, [
          plan.siteId,
          page,
          new Date(day),
          new Date(Math.max(plan.from, day)),
          new Date(Math.min(plan.to, day + DAY_MS)),
        ]),
      );
      const buckets = new Map<number, { events: number; pageviews: number; sketch: HyperLogLog }>();
      let read = 0;
      for (const row of perDay.flat()) {
        read++;
        const event = decodePageBody(plan.siteId, textOf(row.get('body')));
        if (!plan.includeBots && event.is_bot) continue;
        const bucket = byDay ? Math.floor(event.timestamp / DAY_MS) * DAY_MS : 0;
        let b = buckets.get(bucket);
        if (!b) buckets.set(bucket, (b = { events: 0, pageviews: 0, sketch: new HyperLogLog() }));
        b.events++;
        if (event.event_type === PAGE_VIEW) b.pageviews++;
        b.sketch.addPosition(HyperLogLog.position(event.visitor_id));
      }
      const parts = [...buckets].map(([bucket, b]) => ({
        key: byDay ? [String(bucket)] : [],
        ...(plan.needs.counts ? { events: b.events, pageviews: b.pageviews } : {}),
        ...(plan.needs.visitors ? { visitorRanks: [...b.sketch.rankHistogram()] } : {}),
      }));
      return { parts, read };
    },
  };
}
