import type Database from 'better-sqlite3';
import { frameGroup } from './record-batch.js';

/**
 * The embedded log: record batches keyed by (partition, last offset) like a Kafka topic's
 * segments (see record-batch.ts), the committed offset of each consumer group, and a dead-letter
 * table standing in for the dead-letter topic. Batches of one partition never overlap and follow
 * each other without gaps, so ordering by last offset is ordering by offset, and the batch holding
 * offset N is the first whose last offset is >= N.
 */
export function createLogSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS record_batches (
      partition   INTEGER NOT NULL,
      last_offset INTEGER NOT NULL,
      count       INTEGER NOT NULL,
      ts          INTEGER NOT NULL,
      data        BLOB NOT NULL,
      PRIMARY KEY (partition, last_offset)
    );
    CREATE TABLE IF NOT EXISTS group_offsets (
      group_id  TEXT NOT NULL,
      partition INTEGER NOT NULL,
      offset    INTEGER NOT NULL,
      PRIMARY KEY (group_id, partition)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS dead_letters (
      id        INTEGER PRIMARY KEY AUTOINCREMENT,
      partition INTEGER NOT NULL,
      offset    INTEGER NOT NULL,
      key       TEXT NOT NULL,
      value     BLOB NOT NULL,
      reason    TEXT NOT NULL,
      ts        INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS log_meta (
      name  TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `);
  // Added after the first release: when a dead letter was put back into the log (clickstream dlq replay).
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(dead_letters)').all();
  if (!columns.some((c) => c.name === 'replayed_at'))
    db.exec('ALTER TABLE dead_letters ADD COLUMN replayed_at INTEGER');
  migrateRecordRows(db);
}

/** A log keeps its partition count for life: records already placed by key would move. */
export function checkPartitionCount(db: Database.Database, partitions: number): void {
  const row = db
    .prepare<[], { value: string }>("SELECT value FROM log_meta WHERE name = 'partitions'")
    .get();
  if (!row) {
    db.prepare("INSERT INTO log_meta (name, value) VALUES ('partitions', ?)").run(
      String(partitions),
    );
    return;
  }
  if (Number(row.value) !== partitions) {
    throw new Error(
      `the event log at this path has ${row.value} partitions, not ${partitions}; keep LOG_PARTITIONS at ${row.value}`,
    );
  }
}

const MIGRATION_PAGE = 10_000;

interface RecordRow {
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
  ts: number;
}

/**
 * Logs written before record batches kept one row per record in `records`. Their records move
 * into batches unchanged (same partition, offset, key, value and time), in one transaction, and
 * the old table goes; consumers resume from the same offsets. A batch takes consecutive records of
 * one partition written at the same time, which is what one group commit wrote.
 */
function migrateRecordRows(db: Database.Database): void {
  const old = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'records'")
    .get();
  if (!old) return;
  const page = db.prepare<[number, number, number], RecordRow>(
    'SELECT partition, offset, key, value, ts FROM records WHERE (partition, offset) > (?, ?) ORDER BY partition, offset LIMIT ?',
  );
  const insert = db.prepare(
    'INSERT INTO record_batches (partition, last_offset, count, ts, data) VALUES (?, ?, ?, ?, ?)',
  );
  const flush = (run: RecordRow[]): void => {
    const { buffer, sections } = frameGroup(run, () => 0, 1);
    const section = sections[0]!;
    const last = run.at(-1)!;
    insert.run(
      last.partition,
      last.offset,
      run.length,
      last.ts,
      Buffer.from(buffer, section.start, section.end - section.start),
    );
  };
  db.transaction(() => {
    let run: RecordRow[] = [];
    let after = { partition: -1, offset: -1 };
    for (;;) {
      const rows = page.all(after.partition, after.offset, MIGRATION_PAGE);
      for (const row of rows) {
        const previous = run.at(-1);
        if (
          previous &&
          (previous.partition !== row.partition ||
            previous.offset + 1 !== row.offset ||
            previous.ts !== row.ts)
        ) {
          flush(run);
          run = [];
        }
        run.push(row);
      }
      if (rows.length < MIGRATION_PAGE) break;
      after = rows.at(-1)!;
    }
    if (run.length > 0) flush(run);
    db.exec('DROP TABLE records');
  }).immediate();
}
