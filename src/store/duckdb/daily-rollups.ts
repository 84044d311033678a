import type { DuckDBConnection } from '@duckdb/node-api';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import { PAGE_VIEW, type TrackedEvent } from '../../domain/tracked-event.js';
import { int, Params } from './duckdb-sql.js';

/**
 * Daily rollups of the two questions a dashboard asks most and that raw scans answer slowest over
 * a long range: the site's totals, and one page's (the product description's "page views of
 * /home"). One row per (site, dimension, value, UTC day, bot flag): events, page views and the
 * visitors' HyperLogLog sketch. They are written in the same transaction as the events they count
 * (so they are never behind), and a sketch merged from daily sketches is register for register the
 * sketch of the raw events: an answer from rollups is exactly the answer from raw events
 * (test/contract/duckdb-store.test.ts holds them to it).
 *
 * dimension '' is the whole site (value ''); 'page' is one page.
 */
export const DAY_MS = 86_400_000;
export type RollupDimension = '' | 'page';

export interface RollupRow {
  siteId: string;
  dimension: RollupDimension;
  value: string;
  day: number;
  isBot: boolean;
  events: number;
  pageviews: number;
  sketch: HyperLogLog;
}

export const ROLLUP_TABLE = `CREATE TABLE daily_rollups (
  site_id VARCHAR NOT NULL, dimension VARCHAR NOT NULL, value VARCHAR NOT NULL, day INTEGER NOT NULL, is_bot BOOLEAN NOT NULL,
  events BIGINT NOT NULL, pageviews BIGINT NOT NULL, sketch BLOB NOT NULL
)`;

const keyOf = (r: Pick<RollupRow, 'siteId' | 'dimension' | 'value' | 'day' | 'isBot'>): string =>
  `${r.siteId}\u0000${r.dimension}\u0000${r.value}\u0000${r.day}\u0000${r.isBot ? 1 : 0}`;

/** What a batch's new events add to the rollups. */
export function rollupDeltas(
  events: readonly TrackedEvent[],
  positionOf: (event: TrackedEvent) => { index: number; rank: number },
): Map<string, RollupRow> {
  const rows = new Map<string, RollupRow>();
  for (const event of events) {
    const day = Math.floor(event.timestamp / DAY_MS);
    const position = positionOf(event);
    for (const [dimension, value] of [
      ['', ''],
      ['page', event.page],
    ] as const) {
      const key = keyOf({ siteId: event.site_id, dimension, value, day, isBot: event.is_bot });
      let row = rows.get(key);
      if (!row)
        rows.set(
          key,
          (row = {
            siteId: event.site_id,
            dimension,
            value,
            day,
            isBot: event.is_bot,
            events: 0,
            pageviews: 0,
            sketch: new HyperLogLog(),
          }),
        );
      row.events++;
      if (event.event_type === PAGE_VIEW) row.pageviews++;
      row.sketch.addPosition(position);
    }
  }
  return rows;
}

/**
 * Adds deltas to the stored rows (read, merge, replace), inside the caller's transaction: one read,
 * one delete and one append for all the batch's sites (each statement has a fixed cost of a
 * millisecond or more, which small commits feel).
 */
export async function writeRollups(
  connection: DuckDBConnection,
  deltas: ReadonlyMap<string, RollupRow>,
): Promise<void> {
  if (deltas.size === 0) return;
  const rows = [...deltas.values()];
  const p = new Params();
  const stored = await connection.runAndReadAll(
    `SELECT site_id, dimension, value, day, is_bot, events, pageviews, sketch FROM daily_rollups
      WHERE site_id IN (${p.list([...new Set(rows.map((r) => r.siteId))])})
        AND day IN (${[...new Set(rows.map((r) => r.day))].map(int).join(', ')})
        AND value IN (${p.list([...new Set(rows.map((r) => r.value))])})`,
    p.values,
  );
  const merged = new Map<string, RollupRow>();
  for (const [site, dimension, value, day, isBot, events, pageviews, sketch] of stored.getRows()) {
    const key = keyOf({
      siteId: String(site),
      dimension: dimension as RollupDimension,
      value: String(value),
      day: Number(day),
      isBot: isBot === true,
    });
    const delta = deltas.get(key);
    if (!delta) continue;
    const bytes = (sketch as { bytes: Uint8Array }).bytes;
    merged.set(key, {
      ...delta,
      events: delta.events + Number(events),
      pageviews: delta.pageviews + Number(pageviews),
      sketch: mergedSketch(bytes, delta.sketch),
    });
  }
  const touched = rows.filter((r) => merged.has(keyOf(r)));
  if (touched.length > 0) {
    const d = new Params();
    await connection.run(
      `DELETE FROM daily_rollups WHERE (site_id, dimension, value, day, is_bot) IN (${touched.map((r) => `(${d.bind(r.siteId)}, ${d.bind(r.dimension)}, ${d.bind(r.value)}, ${int(r.day)}, ${r.isBot})`).join(', ')})`,
      d.values,
    );
  }
  const appender = await connection.createAppender('daily_rollups');
  for (const row of rows) appendRollup(appender, merged.get(keyOf(row)) ?? row);
  appender.flushSync();
  appender.closeSync();
}

function mergedSketch(stored: Uint8Array, delta: HyperLogLog): HyperLogLog {
  return HyperLogLog.fromBytes(HyperLogLog.mergeBytes(stored, delta));
}

function appendRollup(
  appender: Awaited<ReturnType<DuckDBConnection['createAppender']>>,
  row: RollupRow,
): void {
  appender.appendVarchar(row.siteId);
  appender.appendVarchar(row.dimension);
  appender.appendVarchar(row.value);
  appender.appendInteger(row.day);
  appender.appendBoolean(row.isBot);
  appender.appendBigInt(BigInt(row.events));
  appender.appendBigInt(BigInt(row.pageviews));
  appender.appendBlob(row.sketch.toBytes());
  appender.endRow();
}

export interface RollupRead {
  siteId: string;
  dimension: RollupDimension;
  value: string;
  /** UTC day numbers [fromDay, toDay). */
  fromDay: number;
  toDay: number;
  includeBots: boolean;
}

/** The rollup rows of whole days, by day. */
export async function readRollups(
  connection: DuckDBConnection,
  read: RollupRead,
): Promise<Map<number, { events: number; pageviews: number; sketch: HyperLogLog }>> {
  const p = new Params();
  const rows = await connection.runAndReadAll(
    `SELECT day, events, pageviews, sketch FROM daily_rollups WHERE site_id = ${p.bind(read.siteId)} AND dimension = ${p.bind(read.dimension)}
       AND value = ${p.bind(read.value)} AND day >= ${int(read.fromDay)} AND day < ${int(read.toDay)}${read.includeBots ? '' : ' AND NOT is_bot'}`,
    p.values,
  );
  const days = new Map<number, { events: number; pageviews: number; sketch: HyperLogLog }>();
  for (const [day, events, pageviews, sketch] of rows.getRows()) {
    const d = Number(day);
    const bytes = (sketch as { bytes: Uint8Array }).bytes;
    const known = days.get(d);
    if (known) {
      known.events += Number(events);
      known.pageviews += Number(pageviews);
      known.sketch.merge(HyperLogLog.fromBytes(bytes));
    } else
      days.set(d, {
        events: Number(events),
        pageviews: Number(pageviews),
        sketch: HyperLogLog.fromBytes(bytes),
      });
  }
  return days;
}

/**
 * Rebuilds the rollups of some days from the raw events (after an erasure, or once for events
 * stored before rollups existed). `days`: null for every day.
 */
export async function rebuildRollups(
  connection: DuckDBConnection,
  siteId: string | null,
  days: readonly number[] | null,
): Promise<number> {
  const p = new Params();
  const where =
    [
      siteId === null ? null : `site_id = ${p.bind(siteId)}`,
      days === null ? null : `ts // ${DAY_MS} IN (${days.map(int).join(', ') || 'NULL'})`,
    ]
      .filter((c) => c !== null)
      .join(' AND ') || 'TRUE';
  const deleteWhere =
    [
      siteId === null ? null : `site_id = $1`,
      days === null ? null : `day IN (${days.map(int).join(', ') || 'NULL'})`,
    ]
      .filter((c) => c !== null)
      .join(' AND ') || 'TRUE';
  await connection.run(
    `DELETE FROM daily_rollups WHERE ${deleteWhere}`,
    siteId === null ? [] : [siteId],
  );
  const rows = new Map<string, RollupRow>();
  const add = (
    siteIdOf: string,
    dimension: RollupDimension,
    value: string,
    day: number,
    isBot: boolean,
    reg: number,
    rank: number,
    events: number,
    pageviews: number,
  ) => {
    const key = keyOf({ siteId: siteIdOf, dimension, value, day, isBot });
    let row = rows.get(key);
    if (!row)
      rows.set(
        key,
        (row = {
          siteId: siteIdOf,
          dimension,
          value,
          day,
          isBot,
          events: 0,
          pageviews: 0,
          sketch: new HyperLogLog(),
        }),
      );
    row.events += events;
    row.pageviews += pageviews;
    row.sketch.addPosition({ index: reg, rank });
  };
  // Per (site, page, day, bot, register): the highest rank and the counts; the site totals are their sums.
  const reader = await connection.streamAndReadUntil(
    `SELECT site_id, page, ts // ${DAY_MS} AS day, is_bot, hll_reg, max(hll_rank), count(*), count_if(is_pageview) FROM events WHERE ${where} GROUP BY ALL`,
    Number.MAX_SAFE_INTEGER,
    p.values,
  );
  for (const [site, page, day, isBot, reg, rank, events, pageviews] of reader.getRows()) {
    const args = [
      Number(day),
      isBot === true,
      Number(reg),
      Number(rank),
      Number(events),
      Number(pageviews),
    ] as const;
    add(String(site), 'page', String(page), ...args);
    add(String(site), '', '', ...args);
  }
  if (rows.size === 0) return 0;
  const appender = await connection.createAppender('daily_rollups');
  for (const row of rows.values()) appendRollup(appender, row);
  appender.flushSync();
  appender.closeSync();
  return rows.size;
}
