import { checkKeyspaceName } from './cassandra-options.js';

/**
 * Every data statement of the store, bound to one keyspace. All run prepared; `USING TTL ?` takes
 * 0 for "never expires". Reads name one partition each; the one exception reads the whole
 * checkpoints table, which has a row per log partition and nothing else.
 */
export function createStatements(keyspace: string) {
  const ks = checkKeyspaceName(keyspace);
  return {
    ping: 'SELECT release_version FROM system.local',

    readCheckpoint: `SELECT next_offset FROM ${ks}.checkpoints WHERE log_partition = ?`,
    // The commit point of a batch: the checkpoint moves only from where its writer found it.
    moveCheckpoint: `UPDATE ${ks}.checkpoints SET next_offset = ?, updated_at = ? WHERE log_partition = ? IF next_offset = ?`,
    insertCheckpoint: `INSERT INTO ${ks}.checkpoints (log_partition, next_offset, updated_at) VALUES (?, ?, ?) IF NOT EXISTS`,

    readEventId: `SELECT log_partition FROM ${ks}.events_by_id WHERE event_id = ?`,
    insertEventId: `INSERT INTO ${ks}.events_by_id (event_id, log_partition) VALUES (?, ?) USING TTL ?`,
    insertVisitorEvent: `INSERT INTO ${ks}.events_by_visitor (site_id, visitor_id, day, ts, event_id, body) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`,
    insertVisitorDay: `INSERT INTO ${ks}.visitor_days (site_id, visitor_id, day) VALUES (?, ?, ?) USING TTL ?`,
    insertPageEvent: `INSERT INTO ${ks}.events_by_page (site_id, page, day, ts, event_id, body) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`,

    insertSiteEvent: `INSERT INTO ${ks}.events_by_site (site_id, day, shard, ts, event_id, body) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`,
    insertSiteDay: `INSERT INTO ${ks}.site_days (site_id, day) VALUES (?, ?) USING TTL ?`,
    siteDays: `SELECT day FROM ${ks}.site_days WHERE site_id = ? AND day >= ? AND day < ?`,
    firstSiteDays: `SELECT day FROM ${ks}.site_days WHERE site_id = ? LIMIT ?`,
    siteEvents: `SELECT body FROM ${ks}.events_by_site WHERE site_id = ? AND day = ? AND shard = ? AND ts >= ? AND ts < ?`,
    firstSiteEvent: `SELECT ts FROM ${ks}.events_by_site WHERE site_id = ? AND day = ? AND shard = ? LIMIT 1`,
    visitorEventsBetween: `SELECT body FROM ${ks}.events_by_visitor WHERE site_id = ? AND visitor_id = ? AND day = ? AND ts >= ? AND ts < ?`,

    pageEventsBetween: `SELECT body FROM ${ks}.events_by_page WHERE site_id = ? AND page = ? AND day = ? AND ts >= ? AND ts < ?`,

    insertSite: `INSERT INTO ${ks}.sites (shard, site_id) VALUES (0, ?)`,
    sites: `SELECT site_id FROM ${ks}.sites WHERE shard = 0 LIMIT ?`,

    visitorDays: `SELECT day FROM ${ks}.visitor_days WHERE site_id = ? AND visitor_id = ? LIMIT ?`,
    visitorDaysBefore: `SELECT day FROM ${ks}.visitor_days WHERE site_id = ? AND visitor_id = ? AND day < ? LIMIT ?`,
    visitorEventsOfDay: `SELECT ts, event_id, body FROM ${ks}.events_by_visitor WHERE site_id = ? AND visitor_id = ? AND day = ? LIMIT ?`,
    visitorEventsOfDayBefore: `SELECT ts, event_id, body FROM ${ks}.events_by_visitor
      WHERE site_id = ? AND visitor_id = ? AND day = ? AND (ts, event_id) < (?, ?) LIMIT ?`,

    recentIds: `SELECT received_at, digests FROM ${ks}.recent_ids WHERE log_partition = ? AND hour = ?`,
    insertRecentIds: `INSERT INTO ${ks}.recent_ids (log_partition, hour, next_offset, received_at, digests) VALUES (?, ?, ?, ?, ?) USING TTL ?`,
  };
}

export type Statements = ReturnType<typeof createStatements>;
