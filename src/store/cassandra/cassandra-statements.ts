import { checkKeyspaceName } from './cassandra-options.js';

const COUNTER_KEY = 'site_id, dimension, granularity, period';
const VALUES = 'events, pageviews, sessions, bounces, duration_ms';
const PREV_VALUES = 'prev_events, prev_pageviews, prev_sessions, prev_bounces, prev_duration_ms';
const SESSION_STATE = 'start, last, events, pageviews, interactions, entry_page, is_bot';

/**
 * Every data statement of the store, bound to one keyspace. All run prepared; `USING TTL ?` takes
 * 0 for "never expires". Reads name one partition each; the one exception reads the whole
 * checkpoints table, which has a row per log partition and nothing else.
 */
export function createStatements(keyspace: string) {
  const ks = checkKeyspaceName(keyspace);
  return {
    ping: 'SELECT release_version FROM system.local',

    readCheckpoint: `SELECT next_offset, pending_attempt, aborted_attempts FROM ${ks}.checkpoints WHERE log_partition = ?`,
    readAllCheckpoints: `SELECT log_partition, pending_attempt, aborted_attempts FROM ${ks}.checkpoints`,
    beginAttempt: `UPDATE ${ks}.checkpoints SET pending_attempt = ?, aborted_attempts = aborted_attempts + ?, updated_at = ?
      WHERE log_partition = ? IF pending_attempt = ? AND next_offset = ?`,
    finishAttempt: `UPDATE ${ks}.checkpoints SET next_offset = ?, committed_attempt = ?, pending_attempt = null, updated_at = ?
      WHERE log_partition = ? IF pending_attempt = ?`,
    resetCheckpoint: `UPDATE ${ks}.checkpoints SET next_offset = ?, pending_attempt = null, aborted_attempts = aborted_attempts + ?, updated_at = ?
      WHERE log_partition = ? IF pending_attempt = ? AND next_offset = ?`,
    insertCheckpoint: `INSERT INTO ${ks}.checkpoints (log_partition, next_offset, updated_at) VALUES (?, ?, ?) IF NOT EXISTS`,

    readEventStamp: `SELECT log_partition, attempt FROM ${ks}.events_by_id WHERE event_id = ?`,
    insertEventStamp: `INSERT INTO ${ks}.events_by_id (event_id, log_partition, attempt) VALUES (?, ?, ?) USING TTL ?`,
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

    countersOfPeriod: `SELECT value, bucket, is_bot, log_partition, ${VALUES}, ${PREV_VALUES}, attempt FROM ${ks}.counters
      WHERE site_id = ? AND dimension = ? AND granularity = ? AND period = ?`,
    countersOfValues: `SELECT value, bucket, is_bot, log_partition, ${VALUES}, ${PREV_VALUES}, attempt FROM ${ks}.counters
      WHERE site_id = ? AND dimension = ? AND granularity = ? AND period = ? AND value IN ?`,
    countersOfKeys: `SELECT value, bucket, is_bot, log_partition, ${VALUES}, ${PREV_VALUES}, attempt FROM ${ks}.counters
      WHERE site_id = ? AND dimension = ? AND granularity = ? AND period = ? AND value IN ? AND bucket IN ? AND is_bot IN ? AND log_partition = ?`,
    writeCounter: `INSERT INTO ${ks}.counters (${COUNTER_KEY}, value, bucket, is_bot, log_partition, ${VALUES}, ${PREV_VALUES}, attempt)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,

    sketchesOfPeriod: `SELECT value, bucket, is_bot, log_partition, sketch FROM ${ks}.sketches
      WHERE site_id = ? AND dimension = ? AND granularity = ? AND period = ?`,
    sketchesOfValues: `SELECT value, bucket, is_bot, log_partition, sketch FROM ${ks}.sketches
      WHERE site_id = ? AND dimension = ? AND granularity = ? AND period = ? AND value IN ?`,
    sketchesOfKeys: `SELECT value, bucket, is_bot, log_partition, sketch FROM ${ks}.sketches
      WHERE site_id = ? AND dimension = ? AND granularity = ? AND period = ? AND value IN ? AND bucket IN ? AND is_bot IN ? AND log_partition = ?`,
    writeSketch: `INSERT INTO ${ks}.sketches (${COUNTER_KEY}, value, bucket, is_bot, log_partition, sketch)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,

    sessionsOfVisitor: `SELECT session_key, ${SESSION_STATE}, attempt, prev FROM ${ks}.sessions
      WHERE site_id = ? AND visitor_id = ? AND log_partition = ?`,
    writeSession: `INSERT INTO ${ks}.sessions (site_id, visitor_id, log_partition, session_key, ${SESSION_STATE}, attempt, prev)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`,
  };
}

export type Statements = ReturnType<typeof createStatements>;
