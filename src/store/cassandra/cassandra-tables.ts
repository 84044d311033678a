/**
 * The store's tables, one per query (Cassandra has no joins and no secondary lookups worth the
 * name). Times are UTC `timestamp`s. Version 1 of the schema; later versions add statements in
 * cassandra-schema.ts, never edit these.
 *
 * Raw events are insert-only and expire by TTL, so they use time-window compaction (whole SSTables
 * drop at expiry) and a short gc_grace: nothing is ever deleted explicitly that could resurrect.
 * Aggregate rows are read, then rewritten, by their owning log partition: leveled compaction keeps
 * those reads to about one SSTable.
 */
const RAW = `compaction = { 'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'DAYS', 'compaction_window_size': 1 }
  AND gc_grace_seconds = 86400`;
const REWRITTEN = `compaction = { 'class': 'LeveledCompactionStrategy' }`;

export function tablesV1(ks: string): string[] {
  return [
    // Dedupe by event_id. (log_partition, attempt) say which commit attempt stored it: an event
    // stored by an attempt that never committed is still new to its partition's replay.
    `CREATE TABLE IF NOT EXISTS ${ks}.events_by_id (
       event_id text PRIMARY KEY,
       log_partition int,
       attempt uuid
     ) WITH ${RAW}`,
    // A visitor's timeline, newest first, one partition per UTC day.
    `CREATE TABLE IF NOT EXISTS ${ks}.events_by_visitor (
       site_id text, visitor_id text, day timestamp, ts timestamp, event_id text, body text,
       PRIMARY KEY ((site_id, visitor_id, day), ts, event_id)
     ) WITH CLUSTERING ORDER BY (ts DESC, event_id DESC)
       AND ${RAW}`,
    // The days a visitor has events, newest first: timeline pages skip empty days without scanning.
    `CREATE TABLE IF NOT EXISTS ${ks}.visitor_days (
       site_id text, visitor_id text, day timestamp,
       PRIMARY KEY ((site_id, visitor_id), day)
     ) WITH CLUSTERING ORDER BY (day DESC)`,
    // A page's events of one UTC day, in time order (a page's counts); body as in events_by_site.
    `CREATE TABLE IF NOT EXISTS ${ks}.events_by_page (
       site_id text, page text, day timestamp, ts timestamp, event_id text, body text,
       PRIMARY KEY ((site_id, page, day), ts, event_id)
     ) WITH ${RAW}`,
    // Additive metrics per (dimension value, UTC bucket), one row per owning log partition. Plain
    // bigints, not counter columns: counter increments cannot be replayed idempotently. prev_* and
    // attempt let a replay see the value from before an attempt that never committed.
    `CREATE TABLE IF NOT EXISTS ${ks}.counters (
       site_id text, dimension text, granularity text, period timestamp,
       value text, bucket timestamp, is_bot boolean, log_partition int,
       events bigint, pageviews bigint, sessions bigint, bounces bigint, duration_ms bigint,
       prev_events bigint, prev_pageviews bigint, prev_sessions bigint, prev_bounces bigint, prev_duration_ms bigint,
       attempt uuid,
       PRIMARY KEY ((site_id, dimension, granularity, period), value, bucket, is_bot, log_partition)
     ) WITH ${REWRITTEN}`,
    // Unique-visitor HyperLogLog sketches, same layout; merged (register max) on read.
    `CREATE TABLE IF NOT EXISTS ${ks}.sketches (
       site_id text, dimension text, granularity text, period timestamp,
       value text, bucket timestamp, is_bot boolean, log_partition int,
       sketch blob,
       PRIMARY KEY ((site_id, dimension, granularity, period), value, bucket, is_bot, log_partition)
     ) WITH ${REWRITTEN}`,
    // Visits per visitor. A visitor's events all come through one log partition (the log is keyed
    // by site + visitor), which owns these rows; prev is the JSON state before `attempt`.
    `CREATE TABLE IF NOT EXISTS ${ks}.sessions (
       site_id text, visitor_id text, log_partition int, session_key text,
       start timestamp, last timestamp, events int, pageviews int, interactions int,
       entry_page text, is_bot boolean, attempt uuid, prev text,
       PRIMARY KEY ((site_id, visitor_id), log_partition, session_key)
     ) WITH ${REWRITTEN}`,
    // The sites that have data, in order, for a site picker: one small partition (shard 0; a
    // deployment has thousands of sites at most), so listing them never scans the counters.
    `CREATE TABLE IF NOT EXISTS ${ks}.sites (
       shard int, site_id text,
       PRIMARY KEY ((shard), site_id)
     )`,
    // One row per log partition, changed only by compare-and-set (LWT): the commit point of a batch.
    `CREATE TABLE IF NOT EXISTS ${ks}.checkpoints (
       log_partition int PRIMARY KEY,
       next_offset bigint, committed_attempt uuid, pending_attempt uuid, aborted_attempts set<uuid>,
       updated_at timestamp
     )`,
  ];
}

/**
 * Version 3: the raw events of a site, for the general query (raw-event-scan.ts). One partition per
 * site, UTC day and visitor shard (the visitor's HyperLogLog register >> 10, 16 shards): a day of a
 * busy site is read as 16 partitions in parallel, and a visitor's events all sit in one shard.
 * Its body is the compact form of scan-body.ts. `site_days` lists the days a site has events, so
 * a long range reads only days with data.
 */
export function tablesV3(ks: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${ks}.events_by_site (
       site_id text, day timestamp, shard int, ts timestamp, event_id text, body text,
       PRIMARY KEY ((site_id, day, shard), ts, event_id)
     ) WITH ${RAW}`,
    `CREATE TABLE IF NOT EXISTS ${ks}.site_days (
       site_id text, day timestamp,
       PRIMARY KEY ((site_id), day)
     )`,
  ];
}

/**
 * Version 4: the dedupe window of each log partition (dedupe-digests.ts). One row per commit and
 * hour of arrival, holding the 8-byte digests of the event ids it stored; a processor that is
 * assigned the partition rebuilds its Bloom filters from the window's rows instead of reading
 * events_by_id for every event. Rows expire with the window.
 */
export function tablesV4(ks: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${ks}.recent_ids (
       log_partition int, hour timestamp, next_offset bigint, received_at timestamp, digests blob,
       PRIMARY KEY ((log_partition, hour), next_offset)
     ) WITH ${RAW}`,
  ];
}

/**
 * Version 5: the aggregate tables of the old write path go (counters, sketches, sessions). The
 * writer has not written them and no query has read them since version 4; a keyspace that held
 * them keeps a snapshot of their files (Cassandra's auto_snapshot) until `nodetool clearsnapshot`.
 */
export function tablesV5(ks: string): string[] {
  return ['counters', 'sketches', 'sessions'].map((table) => `DROP TABLE IF EXISTS ${ks}.${table}`);
}
