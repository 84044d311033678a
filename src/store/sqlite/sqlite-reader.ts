import type Database from 'better-sqlite3';
import type { VisitorEventsPage, VisitorEventsQuery } from '../../domain/analytics-query.js';
import { emptyValues, type CounterValues } from '../../domain/counters.js';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import { decodeCursor, encodeCursor } from '../visitor-cursor.js';
import { groupKey, type AggregateSource, type CounterRead } from '../aggregate-source.js';

interface CounterRow extends CounterValues {
  value: string;
  bucket: number;
}

/** Reads for the aggregate engine and the visitor timeline, straight from SQLite. */
export function createSqliteReader(db: Database.Database): AggregateSource & {
  visitorEvents(query: VisitorEventsQuery): VisitorEventsPage;
  sites(limit: number): string[];
} {
  // A skip scan over the primary key (site_id first): one index seek per site, not a scan of
  // every counter row as SELECT DISTINCT would do.
  const distinctSites = db.prepare<[number], { site_id: string }>(
    `WITH RECURSIVE s(site_id) AS (
       SELECT MIN(site_id) FROM counters
       UNION ALL
       SELECT (SELECT MIN(site_id) FROM counters WHERE site_id > s.site_id) FROM s WHERE s.site_id IS NOT NULL
     )
     SELECT site_id FROM s WHERE site_id IS NOT NULL LIMIT ?`,
  );

  /**
   * One SELECT per bucket span, joined by UNION ALL. A single WHERE with the spans OR-ed together
   * looked simple but SQLite then searched by (site_id, dimension) alone and scanned every row of
   * the dimension (every page's minute rows for a page-views query); per span it seeks
   * (granularity, bucket range) or, with a value filter, (granularity, value, bucket range).
   */
  const perSpan = (
    table: 'counters' | 'sketches',
    columns: string,
    read: CounterRead,
    params: unknown[],
  ): string | null => {
    if (read.spans.length === 0 || read.values?.length === 0) return null;
    const values = read.values ? ` AND value IN (${read.values.map(() => '?').join(',')})` : '';
    const bots = read.includeBots ? '' : ' AND is_bot = 0';
    // Without statistics SQLite prefers the (covering) primary key and walks every value's
    // buckets in the range; for a few values the by-value index is ~10x faster.
    const source = read.values ? `${table} INDEXED BY ${table}_by_value` : table;
    return read.spans
      .map((s) => {
        params.push(
          read.siteId,
          read.dimension,
          s.granularity,
          s.from,
          s.to,
          ...(read.values ?? []),
        );
        return `SELECT ${columns} FROM ${source} WHERE site_id = ? AND dimension = ? AND granularity = ? AND bucket >= ? AND bucket < ?${values}${bots}`;
      })
      .join(' UNION ALL ');
  };

  return {
    sumCounters(read) {
      const params: unknown[] = [];
      const column =
        read.groupBy === 'value' ? 'value' : read.groupBy === 'bucket' ? 'bucket' : "''";
      const spans = perSpan(
        'counters',
        `${column} AS k, events, pageviews, sessions, bounces, duration_ms`,
        read,
        params,
      );
      const rows =
        spans === null
          ? []
          : db
              .prepare<unknown[], CounterRow>(
                `SELECT k AS value, k AS bucket, SUM(events) AS events, SUM(pageviews) AS pageviews,
             SUM(sessions) AS sessions, SUM(bounces) AS bounces, SUM(duration_ms) AS duration_ms
           FROM (${spans}) GROUP BY 1`,
              )
              .all(...params);
      const sums = new Map<string | number, CounterValues>();
      for (const r of rows) {
        const { value, bucket, ...values } = r;
        sums.set(groupKey(read, String(value), Number(bucket)), { ...emptyValues(), ...values });
      }
      return Promise.resolve(sums);
    },

    mergeSketches(read) {
      const params: unknown[] = [];
      const spans = perSpan('sketches', 'value, bucket, sketch', read, params);
      const rows =
        spans === null
          ? []
          : db
              .prepare<unknown[], { value: string; bucket: number; sketch: Buffer }>(spans)
              .all(...params);
      const merged = new Map<string | number, HyperLogLog>();
      for (const r of rows) {
        const key = groupKey(read, r.value, r.bucket);
        const sketch = merged.get(key);
        // Most keys have one sketch (a time series point, a page without bots): take it as it is
        // rather than merging it into an empty one, which parsed every register twice.
        if (sketch) sketch.merge(HyperLogLog.fromBytes(r.sketch));
        else merged.set(key, HyperLogLog.fromBytes(r.sketch));
      }
      return Promise.resolve(merged);
    },

    sites(limit) {
      return distinctSites.all(limit).map((r) => r.site_id);
    },

    visitorEvents(query) {
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const rows = db
        .prepare<unknown[], { body: string; ts: number; event_id: string }>(
          `SELECT body, ts, event_id FROM events WHERE site_id = ? AND visitor_id = ?
           ${after ? 'AND (ts < ? OR (ts = ? AND event_id < ?))' : ''}
           ORDER BY ts DESC, event_id DESC LIMIT ?`,
        )
        .all(
          query.siteId,
          query.visitorId,
          ...(after ? [after.ts, after.ts, after.eventId] : []),
          query.limit + 1,
        );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        events: page.map((r) => JSON.parse(r.body) as TrackedEvent),
        nextCursor: rows.length > query.limit && last ? encodeCursor(last.ts, last.event_id) : null,
      };
    },
  };
}
