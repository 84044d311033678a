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

  const where = (read: CounterRead, params: unknown[]): string => {
    params.push(read.siteId, read.dimension);
    const spans = read.spans.map((s) => {
      params.push(s.granularity, s.from, s.to);
      return '(granularity = ? AND bucket >= ? AND bucket < ?)';
    });
    let sql = `site_id = ? AND dimension = ? AND (${spans.join(' OR ') || '0'})`;
    if (read.values) {
      sql += ` AND value IN (${read.values.map(() => '?').join(',') || 'NULL'})`;
      params.push(...read.values);
    }
    if (!read.includeBots) sql += ' AND is_bot = 0';
    return sql;
  };

  return {
    sumCounters(read) {
      const params: unknown[] = [];
      const column = read.groupBy === 'value' ? 'value' : read.groupBy === 'bucket' ? 'bucket' : "''";
      const rows = db
        .prepare<unknown[], CounterRow>(
          `SELECT ${column} AS value, ${column} AS bucket, SUM(events) AS events, SUM(pageviews) AS pageviews,
             SUM(sessions) AS sessions, SUM(bounces) AS bounces, SUM(duration_ms) AS duration_ms
           FROM counters WHERE ${where(read, params)} GROUP BY 1`,
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
      const rows = db
        .prepare<unknown[], { value: string; bucket: number; sketch: Buffer }>(
          `SELECT value, bucket, sketch FROM sketches WHERE ${where(read, params)}`,
        )
        .all(...params);
      const merged = new Map<string | number, HyperLogLog>();
      for (const r of rows) {
        const key = groupKey(read, r.value, r.bucket);
        let sketch = merged.get(key);
        if (!sketch) merged.set(key, (sketch = new HyperLogLog()));
        sketch.merge(HyperLogLog.fromBytes(r.sketch));
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
        .all(query.siteId, query.visitorId, ...(after ? [after.ts, after.ts, after.eventId] : []), query.limit + 1);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        events: page.map((r) => JSON.parse(r.body) as TrackedEvent),
        nextCursor: rows.length > query.limit && last ? encodeCursor(last.ts, last.event_id) : null,
      };
    },
  };
}
