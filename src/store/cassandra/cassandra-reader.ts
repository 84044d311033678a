import type { VisitorEventsPage, VisitorEventsQuery } from '../../domain/analytics-query.js';
import { storedEvent } from '../../domain/event-codec.js';
import { decodeCursor, encodeCursor } from '../visitor-cursor.js';
import { DAY_MS, dayOf } from './bucket-partitions.js';
import type { Statements } from './cassandra-statements.js';
import { numberOf, textOf } from './cassandra-values.js';
import type { CqlSession } from './cql-session.js';

export interface CassandraReader {
  visitorEvents(query: VisitorEventsQuery): Promise<VisitorEventsPage>;
  sites(limit: number): Promise<string[]>;
}

/** Visitor-day index rows fetched per read while paging back through a timeline. */
const DAYS_PER_READ = 16;

interface TimelineEvent {
  ts: number;
  eventId: string;
  body: string;
}

/** Reads of the visitor timeline and the site list. */
export function createCassandraReader(cql: CqlSession, st: Statements): CassandraReader {
  const dayEvents = async (
    query: VisitorEventsQuery,
    day: number,
    after: { ts: number; eventId: string } | null,
    limit: number,
  ) => {
    const key = [query.siteId, query.visitorId, new Date(day)];
    const rows =
      after && dayOf(after.ts) === day
        ? await cql.rows(st.visitorEventsOfDayBefore, [
            ...key,
            new Date(after.ts),
            after.eventId,
            limit,
          ])
        : await cql.rows(st.visitorEventsOfDay, [...key, limit]);
    return rows.map((row): TimelineEvent => ({
      ts: numberOf(row.get('ts')),
      eventId: textOf(row.get('event_id')),
      body: textOf(row.get('body')),
    }));
  };

  return {
    async sites(limit) {
      return (await cql.rows(st.sites, [limit])).map((row) => textOf(row.get('site_id')));
    },

    /** Newest first across day partitions, visiting only days the visitor_days index lists. */
    async visitorEvents(query) {
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const want = query.limit + 1;
      const found: TimelineEvent[] = [];
      let before = after ? dayOf(after.ts) + DAY_MS : null;
      while (found.length < want) {
        const days =
          before === null
            ? await cql.rows(st.visitorDays, [query.siteId, query.visitorId, DAYS_PER_READ])
            : await cql.rows(st.visitorDaysBefore, [
                query.siteId,
                query.visitorId,
                new Date(before),
                DAYS_PER_READ,
              ]);
        for (const row of days) {
          before = numberOf(row.get('day'));
          found.push(...(await dayEvents(query, before, after, want - found.length)));
          if (found.length >= want) break;
        }
        if (days.length < DAYS_PER_READ) break;
      }
      const page = found.slice(0, query.limit);
      const last = page.at(-1);
      return {
        events: page.map((e) => storedEvent(e.body)),
        nextCursor: found.length > query.limit && last ? encodeCursor(last.ts, last.eventId) : null,
      };
    },
  };
}
