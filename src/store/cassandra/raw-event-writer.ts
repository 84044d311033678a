import { bloomDigest, type BloomDigest } from '../../domain/bloom-filter.js';
import type { DedupeWindow } from '../../domain/dedupe-window.js';
import { eventJson } from '../../domain/event-codec.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import { dayOf, DAY_MS } from './bucket-partitions.js';
import { encodeScanBody } from './scan-body.js';
import { shardOf } from './site-shards.js';
import type { Statements } from './cassandra-statements.js';
import type { CqlSession, Statement } from './cql-session.js';
import { ttlSeconds } from './retention-ttl.js';

/**
 * Raw events: the four insert-only tables, the site list and the site's days, then the ids. Every
 * write is idempotent on its own (same key, same values: a replay, or a second writer of the same
 * log records, writes the very same cells), so nothing is read before it is written.
 */
export function createRawEventWriter(cql: CqlSession, st: Statements, retentionMs: number) {
  return {
    /**
     * The batch's events to store: the first copy of each event_id, minus those the partition
     * stored before. Only an id the window may hold (a resend, or a Bloom false positive, about 1 in
     * 10^5) is looked up in events_by_id, where an id lands once its event's rows have.
     */
    async fresh(events: readonly TrackedEvent[], window: DedupeWindow): Promise<FreshEvent[]> {
      const firsts = new Map<string, FreshEvent>();
      for (const event of events)
        if (!firsts.has(event.event_id))
          firsts.set(event.event_id, { event, digest: bloomDigest(event.event_id) });
      const candidates = [...firsts.values()];
      const maybe = candidates.filter((c) => window.mayContain(c.digest));
      const stored = new Set<string>();
      await cql.map(maybe, async ({ event }) => {
        const [row] = await cql.rows(st.readEventId, [event.event_id]);
        if (row) stored.add(event.event_id);
      });
      return candidates.filter((c) => !stored.has(c.event.event_id));
    },

    /** The ids, written once every row of their events has landed: an id found means stored. */
    ids(events: readonly TrackedEvent[], partition: number, now: number): Statement[] {
      return events.map((event) => ({
        query: st.insertEventId,
        params: [event.event_id, partition, ttlSeconds(event.timestamp, retentionMs, now)],
      }));
    },

    async write(events: readonly TrackedEvent[], now: number): Promise<void> {
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
        // The full event for the visitor timeline, without its null fields (storedEvent restores them).
        const body = eventJson(event);
        const scan = encodeScanBody(event);
        const ts = new Date(event.timestamp);
        add(`visitor\0${event.site_id}\0${event.visitor_id}\0${day}`, {
          query: st.insertVisitorEvent,
          params: [event.site_id, event.visitor_id, new Date(day), ts, event.event_id, body, ttl],
        });
        add(`page\0${event.site_id}\0${event.page}\0${day}`, {
          query: st.insertPageEvent,
          params: [event.site_id, event.page, new Date(day), ts, event.event_id, scan, ttl],
        });
        const shard = shardOf(event.visitor_id);
        add(`site\0${event.site_id}\0${day}\0${shard}`, {
          query: st.insertSiteEvent,
          params: [event.site_id, new Date(day), shard, ts, event.event_id, scan, ttl],
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

export interface FreshEvent {
  event: TrackedEvent;
  digest: BloomDigest;
}
