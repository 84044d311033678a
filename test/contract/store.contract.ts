import { afterEach, describe, expect, it } from 'vitest';
import type { AggregateQuery } from '../../src/domain/analytics-query.js';
import type { AnalyticsReader } from '../../src/ports/analytics-reader.js';
import type { EventStore } from '../../src/ports/event-store.js';
import { makeEvent } from '../support/events.js';

/**
 * The Store contract: SqliteStore and CassandraStore must both pass it against the real thing.
 * A harness gives a fresh, empty store (a new file or a new keyspace); `open` again gives a second
 * client over the same data, as a restarted process would.
 */
export interface StoreHarness {
  open(): Promise<EventStore & AnalyticsReader>;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
/** A fixed UTC day in the recent past, so buckets are predictable. */
const T0 = Math.floor((Date.now() - 3 * DAY) / DAY) * DAY;
const SITE = 'test-site';

const q = (overrides: Partial<AggregateQuery>): AggregateQuery => ({
  siteId: SITE, from: T0 - DAY, to: T0 + 2 * DAY, metrics: ['pageviews', 'events'], groupBy: { kind: 'none' }, includeBots: false, ...overrides,
});

export function describeStoreContract(name: string, newHarness: () => Promise<StoreHarness>, timeoutMs = 30_000): void {
  describe(`Store contract: ${name}`, { timeout: timeoutMs }, () => {
    const closers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      while (closers.length) await closers.pop()!();
    });
    const fresh = async () => {
      const store = await (await newHarness()).open();
      closers.push(() => store.close());
      return store;
    };
    const total = async (store: AnalyticsReader, overrides: Partial<AggregateQuery> = {}) => (await store.aggregate(q(overrides)))[0]!.values;

    it('counts page views and events per page, leaving bots out unless asked', async () => {
      const store = await fresh();
      await store.commit({ partition: 0, nextOffset: 4, events: [
        makeEvent({ timestamp: T0 + HOUR }),
        makeEvent({ timestamp: T0 + HOUR, event_type: 'click' }),
        makeEvent({ timestamp: T0 + 2 * HOUR, page: '/blog/post-1' }),
        makeEvent({ timestamp: T0 + 2 * HOUR, is_bot: true, device: 'bot', visitor_id: 'bot-1' }),
      ] });
      expect(await total(store, { page: '/home' })).toEqual({ pageviews: 1, events: 2 });
      expect(await total(store, { page: '/home', includeBots: true })).toEqual({ pageviews: 2, events: 3 });
      expect(await total(store, { page: '/blog/post-1' })).toEqual({ pageviews: 1, events: 1 });
      expect(await total(store)).toEqual({ pageviews: 2, events: 3 });
      expect(await total(store, { siteId: 'other-site' })).toEqual({ pageviews: 0, events: 0 });
    });

    it('is idempotent: a replayed batch or a retried event_id changes nothing', async () => {
      const store = await fresh();
      const events = [makeEvent({ timestamp: T0 + MIN }), makeEvent({ timestamp: T0 + 2 * MIN, visitor_id: 'v2' })];
      expect(await store.commit({ partition: 3, nextOffset: 2, events })).toEqual({ stored: 2, duplicates: 0 });
      expect(await store.commit({ partition: 3, nextOffset: 2, events })).toMatchObject({ stored: 0 });
      expect(await store.checkpoint(3)).toBe(2);
      // The same event_id again at a later offset: a client retry after a lost 202.
      expect(await store.commit({ partition: 3, nextOffset: 3, events: [events[0]!] })).toEqual({ stored: 0, duplicates: 1 });
      expect(await store.checkpoint(3)).toBe(3);
      expect(await total(store, { metrics: ['pageviews', 'visitors', 'sessions'] })).toEqual({ pageviews: 2, visitors: 2, sessions: 2 });
    });

    it('keeps one checkpoint per partition', async () => {
      const store = await fresh();
      expect(await store.checkpoint(0)).toBeNull();
      await store.commit({ partition: 0, nextOffset: 10, events: [] });
      await store.commit({ partition: 1, nextOffset: 5, events: [makeEvent({ timestamp: T0 })] });
      expect(await store.checkpoint(0)).toBe(10);
      expect(await store.checkpoint(1)).toBe(5);
      expect(await store.checkpoint(2)).toBeNull();
    });

    it('answers any minute-aligned range exactly and time series in UTC buckets with zeros filled', async () => {
      const store = await fresh();
      const times = [0, 59, 61, 119, 600, 1439, 1441, 2000].map((m) => T0 + m * MIN + 5_000);
      await store.commit({ partition: 0, nextOffset: times.length, events: times.map((t) => makeEvent({ timestamp: t })) });
      const ranges: Array<[number, number]> = [[T0, T0 + DAY], [T0 + 59 * MIN, T0 + 1441 * MIN], [T0 + 60 * MIN, T0 + 120 * MIN], [T0 - DAY, T0 + 3 * DAY], [T0 + 61 * MIN, T0 + 61 * MIN]];
      for (const [from, to] of ranges) {
        const expected = times.filter((t) => t >= from && t < to).length;
        expect((await total(store, { from, to, page: '/home' })).pageviews, `range ${from - T0}..${to - T0}`).toBe(expected);
        expect((await total(store, { from, to })).pageviews).toBe(expected);
      }
      const hourly = await store.aggregate(q({ from: T0, to: T0 + DAY, groupBy: { kind: 'time', granularity: 'hour' }, metrics: ['pageviews'] }));
      expect(hourly).toHaveLength(24);
      expect(hourly[0]).toEqual({ key: T0, values: { pageviews: 2 } });
      expect(hourly[1]).toEqual({ key: T0 + HOUR, values: { pageviews: 2 } });
      expect(hourly[2]!.values.pageviews).toBe(0);
      const daily = await store.aggregate(q({ from: T0, to: T0 + 2 * DAY, groupBy: { kind: 'time', granularity: 'day' }, metrics: ['pageviews'], page: '/home' }));
      expect(daily.map((r) => r.values.pageviews)).toEqual([6, 2]);
      const minutes = await store.aggregate(q({ from: T0, to: T0 + 3 * MIN, groupBy: { kind: 'time', granularity: 'minute' }, metrics: ['events'] }));
      expect(minutes.map((r) => r.values.events)).toEqual([1, 0, 0]);
    });

    it('ranks top pages and breaks down by event type, referrer, browser, OS and device', async () => {
      const store = await fresh();
      const events = [
        ...Array.from({ length: 5 }, (_, i) => makeEvent({ timestamp: T0 + i * MIN, page: '/a', visitor_id: `v${i}`, referrer_host: 'news.example', browser: 'Chrome', os: 'Windows' })),
        ...Array.from({ length: 3 }, (_, i) => makeEvent({ timestamp: T0 + i * MIN, page: '/b', visitor_id: 'same', device: 'mobile' })),
        makeEvent({ timestamp: T0, page: '/c', event_type: 'click' }),
        makeEvent({ timestamp: T0, page: '/c', event_type: 'signup' }),
      ];
      await store.commit({ partition: 0, nextOffset: events.length, events });
      const top = await store.aggregate(q({ groupBy: { kind: 'dimension', dimension: 'page' }, metrics: ['pageviews', 'visitors'], limit: 2 }));
      expect(top).toEqual([{ key: '/a', values: { pageviews: 5, visitors: 5 } }, { key: '/b', values: { pageviews: 3, visitors: 1 } }]);
      const types = await store.aggregate(q({ groupBy: { kind: 'dimension', dimension: 'event_type' }, metrics: ['events'] }));
      expect(types).toEqual([{ key: 'page_view', values: { events: 8 } }, { key: 'click', values: { events: 1 } }, { key: 'signup', values: { events: 1 } }]);
      const referrers = await store.aggregate(q({ groupBy: { kind: 'dimension', dimension: 'referrer' }, metrics: ['pageviews'] }));
      expect(referrers).toEqual([{ key: 'news.example', values: { pageviews: 5 } }, { key: '(direct)', values: { pageviews: 3 } }]);
      const browsers = await store.aggregate(q({ groupBy: { kind: 'dimension', dimension: 'browser' }, metrics: ['events'] }));
      expect(browsers).toEqual([{ key: 'Firefox', values: { events: 5 } }, { key: 'Chrome', values: { events: 5 } }].sort((a, b) => a.key.localeCompare(b.key)));
      const devices = await store.aggregate(q({ groupBy: { kind: 'dimension', dimension: 'device' }, metrics: ['pageviews'] }));
      expect(devices).toEqual([{ key: 'desktop', values: { pageviews: 5 } }, { key: 'mobile', values: { pageviews: 3 } }]);
      const os = await store.aggregate(q({ groupBy: { kind: 'dimension', dimension: 'os' }, metrics: ['events'] }));
      expect(os.map((r) => r.key).sort()).toEqual(['Linux', 'Windows']);
    });

    it('estimates unique visitors within 2 %, merging buckets and partitions', async () => {
      const store = await fresh();
      const visitors = 3000;
      for (let p = 0; p < 3; p++) {
        const events = Array.from({ length: visitors / 3 }, (_, i) => makeEvent({ visitor_id: `visitor-${p}-${i}`, timestamp: T0 + (i % 48) * HOUR }));
        await store.commit({ partition: p, nextOffset: events.length, events });
      }
      // Returning visitors on another day are the same visitors.
      await store.commit({ partition: 0, nextOffset: 2000, events: [makeEvent({ visitor_id: 'visitor-0-1', timestamp: T0 + 30 * HOUR })] });
      const { visitors: estimate } = await total(store, { metrics: ['visitors'] });
      expect(Math.abs(estimate! - visitors) / visitors).toBeLessThan(0.02);
      expect((await total(store, { metrics: ['visitors'], page: '/home', from: T0, to: T0 + HOUR })).visitors).toBe(Math.ceil(1000 / 48) * 3);
    });

    it('builds sessions from 30 minutes of inactivity, with bounce rate and duration, across batches and out of order', async () => {
      const store = await fresh();
      await store.commit({ partition: 0, nextOffset: 3, events: [
        makeEvent({ visitor_id: 's1', timestamp: T0 + 10 * MIN }),
        makeEvent({ visitor_id: 's1', timestamp: T0 + 20 * MIN, page: '/b' }),
        makeEvent({ visitor_id: 's2', timestamp: T0 + 10 * MIN }),
      ] });
      // Later batch: s1 comes back after 60 minutes (new session); a late event of s1 lands inside the first one.
      await store.commit({ partition: 0, nextOffset: 5, events: [
        makeEvent({ visitor_id: 's1', timestamp: T0 + 80 * MIN }),
        makeEvent({ visitor_id: 's1', timestamp: T0 + 5 * MIN, event_type: 'click' }),
      ] });
      const s = await total(store, { metrics: ['sessions', 'bounce_rate', 'avg_duration_ms'] });
      expect(s.sessions).toBe(3);
      // Bounces: s2 (one view) and s1's second visit (one view); s1's first visit has two views and a click.
      expect(s.bounce_rate).toBeCloseTo(2 / 3, 3);
      expect(s.avg_duration_ms).toBe(Math.round((15 * MIN) / 3));
      const byHour = await store.aggregate(q({ from: T0, to: T0 + 2 * HOUR, groupBy: { kind: 'time', granularity: 'hour' }, metrics: ['sessions'] }));
      expect(byHour.map((r) => r.values.sessions)).toEqual([2, 1]);
    });

    it("returns one visitor's events newest first, paginated by cursor without gaps", async () => {
      const store = await fresh();
      const events = Array.from({ length: 7 }, (_, i) => makeEvent({ visitor_id: 'pager', timestamp: T0 + i * MIN, title: `e${i}` }));
      await store.commit({ partition: 0, nextOffset: 7, events: [...events, makeEvent({ visitor_id: 'other', timestamp: T0 })] });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 5; page++) {
        const result = await store.visitorEvents({ siteId: SITE, visitorId: 'pager', limit: 3, cursor });
        seen.push(...result.events.map((e) => e.title ?? ''));
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      expect(seen).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
      const first = await store.visitorEvents({ siteId: SITE, visitorId: 'pager', limit: 1 });
      expect(first.events[0]).toEqual(events[6]);
      await expect(store.visitorEvents({ siteId: SITE, visitorId: 'pager', limit: 1, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    });

    it("erases one visitor's raw events and sessions in one site, keeping the aggregates and everyone else", async () => {
      const store = await fresh();
      const gone = [makeEvent({ visitor_id: 'gone', timestamp: T0 + MIN }), makeEvent({ visitor_id: 'gone', timestamp: T0 + DAY + MIN, page: '/blog' })];
      const kept = makeEvent({ visitor_id: 'kept', timestamp: T0 + MIN });
      const elsewhere = makeEvent({ visitor_id: 'gone', site_id: 'other-site', timestamp: T0 + MIN });
      await store.commit({ partition: 0, nextOffset: 4, events: [...gone, kept, elsewhere] });
      const before = await total(store, { metrics: ['pageviews', 'events', 'sessions'] });

      expect(await store.eraseVisitor(SITE, 'gone')).toBe(2);
      expect((await store.visitorEvents({ siteId: SITE, visitorId: 'gone', limit: 10 })).events).toEqual([]);
      expect((await store.visitorEvents({ siteId: SITE, visitorId: 'kept', limit: 10 })).events).toEqual([kept]);
      expect((await store.visitorEvents({ siteId: 'other-site', visitorId: 'gone', limit: 10 })).events).toEqual([elsewhere]);
      expect(await total(store, { metrics: ['pageviews', 'events', 'sessions'] })).toEqual(before);
      expect(await store.eraseVisitor(SITE, 'gone')).toBe(0);

      // The visitor may come back: a new event starts from nothing and is stored and counted.
      const back = makeEvent({ visitor_id: 'gone', timestamp: T0 + 2 * HOUR });
      expect(await store.commit({ partition: 0, nextOffset: 5, events: [back] })).toEqual({ stored: 1, duplicates: 0 });
      expect((await store.visitorEvents({ siteId: SITE, visitorId: 'gone', limit: 10 })).events).toEqual([back]);
    });

    it('refuses questions the aggregates cannot answer exactly', async () => {
      const store = await fresh();
      await expect(store.aggregate(q({ page: '/a', groupBy: { kind: 'dimension', dimension: 'browser' } }))).rejects.toMatchObject({ code: 'INVALID_QUERY' });
      await expect(store.aggregate(q({ metrics: ['visitors'], groupBy: { kind: 'dimension', dimension: 'browser' } }))).rejects.toMatchObject({ code: 'INVALID_QUERY' });
      await expect(store.aggregate(q({ metrics: ['sessions'], page: '/a' }))).rejects.toMatchObject({ code: 'INVALID_QUERY' });
      await expect(store.aggregate(q({ groupBy: { kind: 'time', granularity: 'minute' }, metrics: ['visitors'] }))).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    });

    it('lists the sites that have data, in ascending order, up to a limit (sites)', async () => {
      const store = await fresh();
      expect(await store.sites(10)).toEqual([]);
      for (const [i, site] of ['site-c', 'site-a', 'site-b'].entries()) {
        await store.commit({ partition: i, nextOffset: 1, events: [makeEvent({ site_id: site, timestamp: T0 + i * MIN })] });
      }
      // A bot-only site has data too.
      await store.commit({ partition: 4, nextOffset: 1, events: [makeEvent({ site_id: 'site-d', timestamp: T0, is_bot: true, visitor_id: 'bot' })] });
      expect(await store.sites(10)).toEqual(['site-a', 'site-b', 'site-c', 'site-d']);
      expect(await store.sites(2)).toEqual(['site-a', 'site-b']);
      expect(await store.sites(1)).toEqual(['site-a']);
    });

    it('answers ping while it can serve, before and after writes (ping)', async () => {
      const store = await fresh();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.commit({ partition: 0, nextOffset: 1, events: [makeEvent({ timestamp: T0 })] });
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('resets a checkpoint for an operator, backwards too, and counts the new log from there (resetCheckpoint)', async () => {
      const store = await fresh();
      await store.commit({ partition: 5, nextOffset: 100, events: [makeEvent({ timestamp: T0 })] });
      // The log was recreated: its offsets begin again at 0, below the checkpoint.
      await store.resetCheckpoint(5, 0);
      expect(await store.checkpoint(5)).toBe(0);
      expect(await store.commit({ partition: 5, nextOffset: 2, events: [makeEvent({ timestamp: T0 + MIN }), makeEvent({ timestamp: T0 + 2 * MIN })] })).toEqual({ stored: 2, duplicates: 0 });
      expect(await store.checkpoint(5)).toBe(2);
      expect((await total(store)).pageviews).toBe(3);
      // A partition without a checkpoint gets one; the others keep theirs.
      await store.commit({ partition: 6, nextOffset: 7, events: [] });
      await store.resetCheckpoint(8, 4);
      expect(await store.checkpoint(8)).toBe(4);
      expect(await store.checkpoint(6)).toBe(7);
    });

    it('keeps what it committed across a reopen', async () => {
      const harness = await newHarness();
      const store = await harness.open();
      await store.commit({ partition: 2, nextOffset: 1, events: [makeEvent({ timestamp: T0 })] });
      await store.close();
      const reopened = await harness.open();
      closers.push(() => reopened.close());
      expect(await reopened.checkpoint(2)).toBe(1);
      expect((await total(reopened)).pageviews).toBe(1);
    });
  });
}
