import type Database from 'better-sqlite3';

/**
 * Versioned migrations of the embedded store; each runs once, in a transaction, and the version
 * is recorded with it. The tables mirror the Cassandra model: raw events by event_id (with
 * indexes for the visitor and page reads), counters and sketches per UTC bucket, sessions per
 * visitor, and one checkpoint per log partition.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     event_id   TEXT PRIMARY KEY,
     site_id    TEXT NOT NULL,
     visitor_id TEXT NOT NULL,
     page       TEXT NOT NULL,
     event_type TEXT NOT NULL,
     ts         INTEGER NOT NULL,
     is_bot     INTEGER NOT NULL,
     body       TEXT NOT NULL
   );
   CREATE INDEX events_by_visitor ON events (site_id, visitor_id, ts DESC, event_id DESC);
   CREATE INDEX events_by_page ON events (site_id, page, ts);
   CREATE INDEX events_by_time ON events (ts);

   CREATE TABLE counters (
     site_id     TEXT NOT NULL,
     dimension   TEXT NOT NULL,
     granularity TEXT NOT NULL,
     bucket      INTEGER NOT NULL,
     value       TEXT NOT NULL,
     is_bot      INTEGER NOT NULL,
     events      INTEGER NOT NULL,
     pageviews   INTEGER NOT NULL,
     sessions    INTEGER NOT NULL,
     bounces     INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     PRIMARY KEY (site_id, dimension, granularity, bucket, value, is_bot)
   ) WITHOUT ROWID;
   CREATE INDEX counters_by_value ON counters (site_id, dimension, granularity, value, bucket);

   CREATE TABLE sketches (
     site_id     TEXT NOT NULL,
     dimension   TEXT NOT NULL,
     granularity TEXT NOT NULL,
     bucket      INTEGER NOT NULL,
     value       TEXT NOT NULL,
     is_bot      INTEGER NOT NULL,
     sketch      BLOB NOT NULL,
     PRIMARY KEY (site_id, dimension, granularity, bucket, value, is_bot)
   ) WITHOUT ROWID;
   CREATE INDEX sketches_by_value ON sketches (site_id, dimension, granularity, value, bucket);

   CREATE TABLE sessions (
     site_id      TEXT NOT NULL,
     visitor_id   TEXT NOT NULL,
     session_key  TEXT NOT NULL,
     start        INTEGER NOT NULL,
     last         INTEGER NOT NULL,
     events       INTEGER NOT NULL,
     pageviews    INTEGER NOT NULL,
     interactions INTEGER NOT NULL,
     entry_page   TEXT NOT NULL,
     is_bot       INTEGER NOT NULL,
     PRIMARY KEY (site_id, visitor_id, session_key)
   ) WITHOUT ROWID;
   CREATE INDEX sessions_by_last ON sessions (site_id, visitor_id, last);

   CREATE TABLE checkpoints (
     partition   INTEGER PRIMARY KEY,
     next_offset INTEGER NOT NULL,
     updated_at  INTEGER NOT NULL
   );`,
];

export function migrate(db: Database.Database): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    if (version <= current) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(
        version,
        Date.now(),
      );
    })();
  });
  return MIGRATIONS.length;
}
