import type { TrackedEvent } from '../../domain/tracked-event.js';
import { dayOf, DAY_MS } from './bucket-partitions.js';
import { encodeScanBody } from './scan-body.js';
import { shardOf } from './site-shards.js';
import type { Statements } from './cassandra-statements.js';
import { nullableNumberOf, uuidTextOf } from './cassandra-values.js';
import type { CqlSession, Statement } from './cql-session.js';
import type { Attempt } from './partition-checkpoints.js';
import { ttlSeconds } from './retention-ttl.js';

/**
 * Raw events: the dedupe check, the four insert-only tables, the site list and the site's days. Every write here is idempotent
 * on its own (same key, same values), so these land before the aggregates and need no batch.
 */
export function createRawEventWriter(cql: CqlSession, st: Statements, retentionMs: number) {
  /**
   * An event is a duplicate when events_by_id already holds its id from an attempt that counted:
   * any finished attempt, or any attempt of another log partition (which owns that copy and counts
   * it on its own replay). A copy stored by one of this partition's unfinished attempts is the
   * trace of a crash: the replay counts the event now.
   */
  const isDuplicate = async (event: TrackedEvent, attempt: Attempt): Promise<boolean> => {
    const [row] = await cql.rows(st.readEventStamp, [event.event_id]);
    if (!row) return false;
    const partition = nullableNumberOf(row.get('log_partition'));
    const stamp = uuidTextOf(row.get('attempt'));
    return !(partition === attempt.partition && stamp !== null && attempt.uncommitted.has(stamp));
  };

  return {
    /** The batch's events to count: first copy of each event_id, minus those already counted. */
    async fresh(events: readonly TrackedEvent[], attempt: Attempt): Promise<TrackedEvent[]> {
      const firsts = new Map<string, TrackedEvent>();
      for (const event of events)
        if (!firsts.has(event.event_id)) firsts.set(event.event_id, event);
      const candidates = [...firsts.values()];
      const duplicate = await cql.map(candidates, (event) => isDuplicate(event, attempt));
      return candidates.filter((_, i) => !duplicate[i]);
    },

    async write(events: readonly TrackedEvent[], attempt: Attempt, now: number): Promise<void> {
      const partitions = new Map<string, Statement[]>();
      const add = (key: string, statement: Statement): void => {
        const group = partitions.get(key);
        if (group) group.push(statement);
        else partitions.set(key, [statement]);
      };
      const days = new Map<string, { site: string; visitor: string; day: number }>();
      const siteDays = new Map<string, { site: string; day: number }>();
      for (const event of events) {
        const ttl = ttlSeconds(event.timestamp, retentionMs, now);
        const day = dayOf(event.timestamp);
        const body = JSON.stringify(event);
        const ts = new Date(event.timestamp);
        add(`id\0${event.event_id}`, {
          query: st.insertEventStamp,
          params: [event.event_id, attempt.partition, attempt.id, ttl],
        });
        add(`visitor\0${event.site_id}\0${event.visitor_id}\0${day}`, {
          query: st.insertVisitorEvent,
          params: [event.site_id, event.visitor_id, new Date(day), ts, event.event_id, body, ttl],
        });
        add(`page\0${event.site_id}\0${event.page}\0${day}`, {
          query: st.insertPageEvent,
          params: [event.site_id, event.page, new Date(day), ts, event.event_id, body, ttl],
        });
        const shard = shardOf(event.visitor_id);
        add(`site\0${event.site_id}\0${day}\0${shard}`, {
          query: st.insertSiteEvent,
          params: [
            event.site_id,
            new Date(day),
            shard,
            ts,
            event.event_id,
            encodeScanBody(event),
            ttl,
          ],
        });
        siteDays.set(`${event.site_id}\0${day}`, { site: event.site_id, day });
        days.set(`${event.site_id}\0${event.visitor_id}\0${day}`, {
          site: event.site_id,
          visitor: event.visitor_id,
          day,
        });
      }
      // The site list gains the site with its first events (aggregates never expire, so neither does it).
      for (const site of new Set(events.map((e) => e.site_id)))
        add('sites', { query: st.insertSite, params: [site] });
      for (const { site, visitor, day } of days.values()) {
        // The day's index row lives as long as the day's last event can.
        const ttl = ttlSeconds(day + DAY_MS, retentionMs, now);
        add(`days\0${site}\0${visitor}`, {
          query: st.insertVisitorDay,
          params: [site, visitor, new Date(day), ttl],
        });
      }
      for (const { site, day } of siteDays.values()) {
        add(`site-days\0${site}`, {
          query: st.insertSiteDay,
          params: [site, new Date(day), ttlSeconds(day + DAY_MS, retentionMs, now)],
        });
      }
      await cql.writePartitions(partitions.values());
    },
  };
}
