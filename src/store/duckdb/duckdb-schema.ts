import type { DuckDBConnection } from '@duckdb/node-api';
import { VISIT_ATTRIBUTE_NAMES } from '../../domain/visit-attributes.js';
import { ROLLUP_TABLE } from './daily-rollups.js';

/**
 * The embedded columnar store's tables. Raw events are the source of truth: each row keeps what
 * the visitor timeline gives back, plus what queries filter and group by — the event's visit and
 * that visit's attributes (copied from its first event, rewritten in the rare case they change:
 * see duckdb-writer.ts), and the visitor's HyperLogLog register and rank. Visits hold what only a
 * visit knows (entry and exit page, duration, bounce). Visitors are kept as a keyed 128-bit hash,
 * never as the id a client sent: erasing a visitor leaves no readable trace of the id in the file.
 * What only the visitor timeline gives back (title, element, screen, the event's own UTM and
 * agent fields…) is one JSON column, `raw`: fewer columns to append, nothing queries filter on.
 */
const VISIT_ATTRIBUTES = VISIT_ATTRIBUTE_NAMES.map((name) => `visit_${name} VARCHAR NOT NULL`).join(
  ',\n  ',
);

const VISIT_COLUMNS = `site_id VARCHAR NOT NULL,
  visit_id VARCHAR NOT NULL,
  visitor_key UHUGEINT NOT NULL,
  hll_reg USMALLINT NOT NULL,
  hll_rank UTINYINT NOT NULL,
  start_ts BIGINT NOT NULL,
  end_ts BIGINT NOT NULL,
  first_event_id VARCHAR NOT NULL,
  last_event_id VARCHAR NOT NULL,
  entry_ts BIGINT,
  entry_event_id VARCHAR,
  exit_ts BIGINT,
  exit_event_id VARCHAR,
  pageviews INTEGER NOT NULL,
  events INTEGER NOT NULL,
  interactions INTEGER NOT NULL,
  is_bot BOOLEAN NOT NULL,
  visit_entry_page VARCHAR NOT NULL,
  visit_exit_page VARCHAR NOT NULL,
  ${VISIT_ATTRIBUTES}`;

/**
 * Visits live in two tables: `visits_hot` holds those that may still change (their last event is
 * recent), is small and is rewritten by every commit; `visits` holds the ones that cooled down and
 * only grows (a late event that changes one moves it back). `all_visits` is what queries read.
 * `visit_cooling` records the time before which every visit has cooled down.
 */
/** Event tables: 16 shards of 1,024 HyperLogLog registers each. */
export const EVENT_SHARDS = 16;
export const SHARD_BITS = 10;
export const REGISTERS_PER_SHARD = 1 << SHARD_BITS;

export function shardNumbers(count = EVENT_SHARDS): number[] {
  return Array.from({ length: count }, (_, n) => n);
}

/** The event table a visitor's rows live in. */
export function eventTable(hllRegister: number): string {
  return `events_${hllRegister >> SHARD_BITS}`;
}

/**
 * Where a small commit appends its events: one table, not up to 16 (DuckDB's cost of a commit
 * grows with the tables it touches: ~15 ms for 16 against ~2 ms for one). The writer moves them
 * into their shards in bulk (duckdb-writer.ts); every reader reads this table too.
 */
export const RECENT_EVENTS = 'events_recent';

/** Every table that holds events: the shards and the recent events. */
export function allEventTables(): string[] {
  return [...shardNumbers().map((n) => `events_${n}`), RECENT_EVENTS];
}

/** The tables that may hold a visitor's rows: their shard, and the recent events not yet moved. */
export function eventTablesOf(hllRegister: number): [shard: string, recent: string] {
  return [eventTable(hllRegister), RECENT_EVENTS];
}

/** A visitor's rows (and others' in the same tables) as one relation. */
export function visitorEventRows(hllRegister: number): string {
  return `(${eventTablesOf(hllRegister)
    .map((table) => `SELECT * FROM ${table}`)
    .join(' UNION ALL ')})`;
}

/** The rows of the first `registers` registers' visitors: the shards that hold them, as one relation. */
export function eventsOfRegisters(registers: number): string {
  if (registers >= EVENT_SHARDS * REGISTERS_PER_SHARD) return 'events';
  const shards = Math.max(1, Math.ceil(registers / REGISTERS_PER_SHARD));
  return `(${[
    ...shardNumbers(shards).map((n) => `SELECT * FROM events_${n}`),
    `SELECT * FROM ${RECENT_EVENTS} WHERE hll_reg < ${shards * REGISTERS_PER_SHARD}`,
  ].join(' UNION ALL ')})`;
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
  site_id VARCHAR NOT NULL,
  ts BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  event_id VARCHAR NOT NULL,
  visitor_key UHUGEINT NOT NULL,
  visit_id VARCHAR NOT NULL,
  hll_reg USMALLINT NOT NULL,
  hll_rank UTINYINT NOT NULL,
  event_type VARCHAR NOT NULL,
  is_pageview BOOLEAN NOT NULL,
  page VARCHAR NOT NULL,
  hostname VARCHAR,
  is_bot BOOLEAN NOT NULL,
  scroll_depth UTINYINT,
  props MAP(VARCHAR, VARCHAR),
  raw VARCHAR NOT NULL,
  visit_entry_page VARCHAR NOT NULL,
  ${VISIT_ATTRIBUTES}
);
CREATE TABLE visits (${VISIT_COLUMNS});
CREATE TABLE visits_hot (${VISIT_COLUMNS});
CREATE VIEW all_visits AS SELECT * FROM visits UNION ALL SELECT * FROM visits_hot;
CREATE TABLE visit_cooling (cooled_before BIGINT NOT NULL);
CREATE TABLE checkpoints (log_partition INTEGER PRIMARY KEY, next_offset BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE sites (site_id VARCHAR PRIMARY KEY, first_event_at BIGINT NOT NULL);`,
  // Events split by the visitor's HyperLogLog register into EVENT_SHARDS tables (shard =
  // register >> 10): a sampled query reads the shards of its sample only, not every row.
  [
    ...shardNumbers().map(
      (n) =>
        `CREATE TABLE events_${n} AS SELECT * FROM events WHERE hll_reg >> ${SHARD_BITS} = ${n} ORDER BY ts`,
    ),
    'DROP TABLE events',
    `CREATE VIEW events AS ${shardNumbers()
      .map((n) => `SELECT * FROM events_${n}`)
      .join(' UNION ALL ')}`,
  ].join(';\n'),
  // Daily rollups (daily-rollups.ts); `store_state` says once they were built from the events before them.
  `${ROLLUP_TABLE};
CREATE TABLE store_state (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);`,
  // The recent events of small commits, not yet moved into their shards, are part of `events`.
  `CREATE TABLE ${RECENT_EVENTS} AS SELECT * FROM events_0 LIMIT 0;
CREATE OR REPLACE VIEW events AS ${allEventTables()
    .map((table) => `SELECT * FROM ${table}`)
    .join(' UNION ALL ')}`,
];

export const DUCKDB_SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the migrations a database has not seen, each in its own transaction. */
export async function migrateDuckDb(connection: DuckDBConnection): Promise<void> {
  await connection.run(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const result = await connection.runAndReadAll(
    'SELECT coalesce(max(version), 0) AS v FROM schema_version',
  );
  const current = Number(result.getRowObjects()[0]?.v ?? 0);
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    await connection.run('BEGIN TRANSACTION');
    try {
      for (const statement of MIGRATIONS[version - 1]!.split(';')
        .map((s) => s.trim())
        .filter(Boolean))
        await connection.run(statement);
      await connection.run(`INSERT INTO schema_version VALUES (${version}, ${Date.now()})`);
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK');
      throw error;
    }
  }
}
