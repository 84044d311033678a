import { storedEvent } from '../../domain/event-codec.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import { VISIT_GAP_MS } from '../../domain/visits.js';
import { dayOf, DAY_MS } from './bucket-partitions.js';
import type { Statements } from './cassandra-statements.js';
import { numberOf, textOf } from './cassandra-values.js';
import type { CqlSession } from './cql-session.js';
import { decodeScanBody } from './scan-body.js';
import { allShards, SITE_SHARDS } from './site-shards.js';

/**
 * Reads a site's raw events for the general query: every event of the range from events_by_site
 * (the days site_days lists, 16 visitor shards each, in parallel), then, for the visitors active
 * within 30 minutes of an edge, their events just outside it from events_by_visitor, window after
 * window until a 30-minute gap: a visit that began before the range still gets its first event
 * (its source, entry page), one that goes on past the end its last (exit page, duration).
 */
export interface ScannedEvents {
  /** Each visitor's events, in no particular order. */
  visitors: Map<string, TrackedEvent[]>;
  rowsRead: number;
  /** The visitor shards read: SITE_SHARDS, or a power-of-two share of them (a sample). */
  shards: number;
}

/** The most shards (a power of two) whose estimated rows stay within the budget; at least one. */
function shardsWithin(budget: number, rowsOfFirst: number): number {
  let shards = SITE_SHARDS;
  while (shards > 1 && rowsOfFirst * shards > budget) shards /= 2;
  return shards;
}

/** The UTC days (their start) that overlap [from, to). */
function daysOf(from: number, to: number): number[] {
  const days: number[] = [];
  for (let day = dayOf(from); day < to; day += DAY_MS) days.push(day);
  return days;
}

const earliest = (events: readonly TrackedEvent[]): number =>
  events.reduce((t, e) => Math.min(t, e.timestamp), Infinity);
const latest = (events: readonly TrackedEvent[]): number =>
  events.reduce((t, e) => Math.max(t, e.timestamp), -Infinity);

export function createRawEventScan(cql: CqlSession, st: Statements) {
  /** A visitor's stored events with from <= ts < to. */
  const visitorBetween = async (
    siteId: string,
    visitorId: string,
    from: number,
    to: number,
  ): Promise<TrackedEvent[]> => {
    const perDay = await Promise.all(
      daysOf(from, to).map((day) =>
        cql.rows(st.visitorEventsBetween, [
          siteId,
          visitorId,
          new Date(day),
          new Date(from),
          new Date(to),
        ]),
      ),
    );
    return perDay.flat().map((row) => storedEvent(textOf(row.get('body'))));
  };

  /** Adds the visitor's events that share a visit with theirs across the range's edges. */
  const extend = async (
    siteId: string,
    events: TrackedEvent[],
    from: number,
    to: number,
  ): Promise<number> => {
    const visitorId = events[0]!.visitor_id;
    let read = 0;
    let first = earliest(events);
    let windowStart = from;
    while (first - VISIT_GAP_MS < windowStart) {
      const before = await visitorBetween(siteId, visitorId, first - VISIT_GAP_MS, windowStart);
      if (before.length === 0) break;
      read += before.length;
      events.push(...before);
      windowStart = first - VISIT_GAP_MS;
      first = earliest(before);
    }
    let last = latest(events);
    let windowEnd = to;
    while (last + VISIT_GAP_MS >= windowEnd) {
      const after = await visitorBetween(siteId, visitorId, windowEnd, last + VISIT_GAP_MS + 1);
      if (after.length === 0) break;
      read += after.length;
      events.push(...after);
      windowEnd = last + VISIT_GAP_MS + 1;
      last = latest(after);
    }
    return read;
  };

  /** The events of [from, to) in the given visitor shards, as stored bodies. */
  const bodiesOf = async (
    siteId: string,
    from: number,
    to: number,
    shards: readonly number[],
  ): Promise<string[]> => {
    const days = (await cql.rows(st.siteDays, [siteId, new Date(dayOf(from)), new Date(to)])).map(
      (row) => numberOf(row.get('day')),
    );
    const partitions = days.flatMap((day) => shards.map((shard) => ({ day, shard })));
    const bodies = await cql.map(partitions, async ({ day, shard }) => {
      const lo = Math.max(from, day);
      const hi = Math.min(to, day + DAY_MS);
      return (
        await cql.rows(st.siteEvents, [siteId, new Date(day), shard, new Date(lo), new Date(hi)])
      ).map((row) => textOf(row.get('body')));
    });
    return bodies.flat();
  };

  return {
    /** The events of [from, to), and nothing else (the edges a rollup answer reads raw). */
    async events(siteId: string, from: number, to: number): Promise<TrackedEvent[]> {
      return (await bodiesOf(siteId, from, to, allShards())).map((body) =>
        decodeScanBody(siteId, body),
      );
    },

    /**
     * The range's events, with the rest of their visits. With a budget, shard 0 is read first and
     * the range's size estimated from it; above the budget only the first 1, 2, 4 or 8 shards are
     * read, a power-of-two share of the visitors (whole, with all their events).
     */
    async scan(siteId: string, from: number, to: number, budget = 0): Promise<ScannedEvents> {
      const readShards = (shards: number[]): Promise<string[]> =>
        bodiesOf(siteId, from, to, shards);
      let bodies: string[];
      let shards = SITE_SHARDS;
      if (budget > 0) {
        bodies = await readShards([0]);
        shards = shardsWithin(budget, bodies.length);
        bodies.push(...(await readShards(allShards().slice(1, shards))));
      } else bodies = await readShards(allShards());
      const visitors = new Map<string, TrackedEvent[]>();
      for (const body of bodies) {
        const event = decodeScanBody(siteId, body);
        const list = visitors.get(event.visitor_id);
        if (list) list.push(event);
        else visitors.set(event.visitor_id, [event]);
      }
      const edges = [...visitors.values()].filter((events) =>
        events.some((e) => e.timestamp - VISIT_GAP_MS < from || e.timestamp + VISIT_GAP_MS >= to),
      );
      const extra = await cql.map(edges, (events) => extend(siteId, events, from, to));
      return { visitors, rowsRead: bodies.length + extra.reduce((n, r) => n + r, 0), shards };
    },

    /** The site's first stored event: the earliest day site_days lists that still holds one. */
    async firstEventAt(siteId: string): Promise<number | null> {
      const days = (await cql.rows(st.firstSiteDays, [siteId, 400])).map((row) =>
        numberOf(row.get('day')),
      );
      for (const day of days) {
        const firsts = await cql.map(
          allShards(),
          async (shard) => (await cql.rows(st.firstSiteEvent, [siteId, new Date(day), shard]))[0],
        );
        const times = firsts
          .filter((row) => row !== undefined)
          .map((row) => numberOf(row.get('ts')));
        if (times.length > 0) return Math.min(...times);
      }
      return null;
    },
  };
}

export type RawEventScan = ReturnType<typeof createRawEventScan>;
