import type Database from 'better-sqlite3';

/**
 * The embedded log: records keyed by (partition, offset) like a Kafka topic, the committed offset
 * of each consumer group, and a dead-letter table standing in for the dead-letter topic.
 */
export function createLogSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS records (
      partition INTEGER NOT NULL,
      offset    INTEGER NOT NULL,
      key       TEXT NOT NULL,
      value     BLOB NOT NULL,
      ts        INTEGER NOT NULL,
      PRIMARY KEY (partition, offset)
    ) WITHOUT ROWID;
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
  if (!columns.some((c) => c.name === 'replayed_at')) db.exec('ALTER TABLE dead_letters ADD COLUMN replayed_at INTEGER');
}

/** A log keeps its partition count for life: records already placed by key would move. */
export function checkPartitionCount(db: Database.Database, partitions: number): void {
  const row = db.prepare<[], { value: string }>("SELECT value FROM log_meta WHERE name = 'partitions'").get();
  if (!row) {
    db.prepare("INSERT INTO log_meta (name, value) VALUES ('partitions', ?)").run(String(partitions));
    return;
  }
  if (Number(row.value) !== partitions) {
    throw new Error(`the event log at this path has ${row.value} partitions, not ${partitions}; keep LOG_PARTITIONS at ${row.value}`);
  }
}
