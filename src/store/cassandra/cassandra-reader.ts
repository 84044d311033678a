import type { VisitorEventsPage, VisitorEventsQuery } from '../../domain/analytics-query.js';
import { emptyValues, type CounterValues } from '../../domain/counters.js';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import { groupKey, type AggregateSource, type CounterRead } from '../aggregate-source.js';
import { decodeCursor, encodeCursor } from '../visitor-cursor.js';
import { committedValues, readRows, type StoredRow } from './aggregate-rows.js';
import { DAY_MS, dayOf, periodsOf } from './bucket-partitions.js';
import type { Statements } from './cassandra-statements.js';
import { bytesOf, numberOf, textOf } from './cassandra-values.js';
import type { CqlSession } from './cql-session.js';
import type { Checkpoints } from './partition-checkpoints.js';

export type CassandraReader = AggregateSource & {
  visitorEvents(query: VisitorEventsQuery): Promise<VisitorEventsPage>;
  sites(limit: number): Promise<string[]>;
};

/** Visitor-day index rows fetched per read while paging back through a timeline. */
const DAYS_PER_READ = 16;

interface TimelineEvent {
  ts: number;
  eventId: string;
  body: string;
}

/**
 * Reads for the aggregate engine and the visitor timeline. Aggregates are summed (or merged)
 * across the rows of every log partition. Counter rows written by an attempt that is pending or
 * aborted count with their prev values: the checkpoints are read first, so an attempt that
 * commits meanwhile is seen whole or not at all — only one that begins during the read can show
 * in part, as with any read of a table being written.
 */
export function createCassandraReader(
  cql: CqlSession,
  st: Statements,
  checkpoints: Checkpoints,
): CassandraReader {
  const counterReads = { wholePartition: st.countersOfPeriod, ofValues: st.countersOfValues };
  const sketchReads = { wholePartition: st.sketchesOfPeriod, ofValues: st.sketchesOfValues };

  /** The rows of a read's spans: one partition read per period, in parallel. */
  const rowsOf = async (reads: typeof counterReads, read: CounterRead): Promise<StoredRow[]> => {
    const parts = read.spans.flatMap((span) => periodsOf(span).map((period) => ({ span, period })));
    const perPart = await cql.map(parts, async ({ span, period }) => {
      const partition = {
        siteId: read.siteId,
        dimension: read.dimension,
        granularity: span.granularity,
        period,
      };
      const rows = await readRows(cql, reads, partition, read.values);
      return rows.filter(
        (r) => r.bucket >= span.from && r.bucket < span.to && (read.includeBots || !r.isBot),
      );
    });
    return perPart.flat();
  };

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
    async sumCounters(read) {
      const uncommitted = await checkpoints.uncommittedAttempts();
      const sums = new Map<string | number, CounterValues>();
      for (const stored of await rowsOf(counterReads, read)) {
        const values = committedValues(stored.row, uncommitted);
        if (!values) continue;
        const key = groupKey(read, stored.value, stored.bucket);
        const sum = sums.get(key) ?? emptyValues();
        for (const m of Object.keys(sum) as Array<keyof CounterValues>) sum[m] += values[m];
        sums.set(key, sum);
      }
      return sums;
    },

    async mergeSketches(read) {
      const merged = new Map<string | number, HyperLogLog>();
      for (const stored of await rowsOf(sketchReads, read)) {
        const key = groupKey(read, stored.value, stored.bucket);
        let sketch = merged.get(key);
        if (!sketch) merged.set(key, (sketch = new HyperLogLog()));
        sketch.merge(HyperLogLog.fromBytes(bytesOf(stored.row.get('sketch'))));
      }
      return merged;
    },

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
        events: page.map((e) => JSON.parse(e.body) as TrackedEvent),
        nextCursor: found.length > query.limit && last ? encodeCursor(last.ts, last.eventId) : null,
      };
    },
  };
}
