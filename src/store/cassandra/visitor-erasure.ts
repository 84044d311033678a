import { checkKeyspaceName } from './cassandra-options.js';
import type { CqlSession } from './cql-session.js';
import { shardOf } from './site-shards.js';

/**
 * Erasure of one visitor (privacy requests). visitor_days names the day partitions of the visitor's
 * timeline; each event found there also sits in events_by_page (same UTC day, its page read from
 * the stored body), in events_by_site (same day, the visitor's shard) and in events_by_id.
 * Deletes are idempotent, so a failed erasure is simply retried.
 */
export function createVisitorErasure(cql: CqlSession, keyspace: string) {
  const ks = checkKeyspaceName(keyspace);
  const st = {
    days: `SELECT day FROM ${ks}.visitor_days WHERE site_id = ? AND visitor_id = ?`,
    eventsOfDay: `SELECT ts, event_id, body FROM ${ks}.events_by_visitor WHERE site_id = ? AND visitor_id = ? AND day = ?`,
    deletePageEvent: `DELETE FROM ${ks}.events_by_page WHERE site_id = ? AND page = ? AND day = ? AND ts = ? AND event_id = ?`,
    deleteSiteEvent: `DELETE FROM ${ks}.events_by_site WHERE site_id = ? AND day = ? AND shard = ? AND ts = ? AND event_id = ?`,
    deleteEventId: `DELETE FROM ${ks}.events_by_id WHERE event_id = ?`,
    deleteVisitorDay: `DELETE FROM ${ks}.events_by_visitor WHERE site_id = ? AND visitor_id = ? AND day = ?`,
    deleteVisitorDays: `DELETE FROM ${ks}.visitor_days WHERE site_id = ? AND visitor_id = ?`,
  };

  return async (siteId: string, visitorId: string): Promise<number> => {
    const days = (await cql.rows(st.days, [siteId, visitorId])).map(
      (row) => row.get('day') as Date,
    );
    const counts = await cql.map(days, async (day) => {
      const events = await cql.rows(st.eventsOfDay, [siteId, visitorId, day]);
      await cql.map(events, async (row) => {
        const eventId = row.get('event_id') as string;
        const page = pageOf(row.get('body') as string | null);
        if (page !== undefined)
          await cql.execute(st.deletePageEvent, [
            siteId,
            page,
            day,
            row.get('ts') as Date,
            eventId,
          ]);
        await cql.execute(st.deleteSiteEvent, [
          siteId,
          day,
          shardOf(visitorId),
          row.get('ts') as Date,
          eventId,
        ]);
        await cql.execute(st.deleteEventId, [eventId]);
      });
      // The visitor's own partition goes last: until then a retry can still find every event.
      await cql.execute(st.deleteVisitorDay, [siteId, visitorId, day]);
      return events.length;
    });
    await cql.execute(st.deleteVisitorDays, [siteId, visitorId]);
    return counts.reduce((sum, n) => sum + n, 0);
  };
}

function pageOf(body: string | null): string | undefined {
  if (body === null) return undefined;
  try {
    const page: unknown = (JSON.parse(body) as { page?: unknown }).page;
    return typeof page === 'string' ? page : undefined;
  } catch {
    return undefined;
  }
}
