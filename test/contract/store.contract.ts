import { afterEach, describe, expect, it } from 'vitest';
import type { StatsQuery } from '../../src/domain/stats/query-model.js';
import type { AnalyticsReader } from '../../src/ports/analytics-reader.js';
import type { EventStore } from '../../src/ports/event-store.js';
import { createStatsEngine } from '../../src/query/stats/stats-engine.js';
import { makeEvent } from '../support/events.js';

/**
 * The Store contract: every store must pass it against the real thing. A harness gives a fresh,
 * empty store (a new file or a new keyspace); `open` again gives a second client over the same
 * data, as a restarted process would. Questions go through the general query engine, as every
 * route's do; the differential test (test/differential) covers the query language in breadth.
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

const query = (overrides: Partial<StatsQuery>): StatsQuery => ({
  siteId: SITE,
  metrics: ['pageviews', 'events'],
  from: T0 - DAY,
  to: T0 + 2 * DAY,
  timezone: 'UTC',
  dimensions: [],
  filter: null,
  orderBy: [],
  includeBots: false,
  includeTotalRows: false,
  includeTimeLabels: false,
  limit: 1000,
  offset: 0,
  ...overrides,
});
const page = (path: string): StatsQuery['filter'] => ({
  kind: 'leaf',
  op: 'is',
  dimension: 'event:page',
  values: [path],
});

export function describeStoreContract(
  name: string,
  newHarness: () => Promise<StoreHarness>,
  timeoutMs = 30_000,
): void {
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
    const ask = async (store: AnalyticsReader, overrides: Partial<StatsQuery>) => {
      const engine = createStatsEngine({
        reader: store,
        goals: async () => [],
        timezoneOf: () => 'UTC',
        maxRangeDays: 400,
      });
      return (await engine.answer(query(overrides))).results;
    };
    /** The one row of a query without dimensions, as { metric: value }. */
    const total = async (store: AnalyticsReader, overrides: Partial<StatsQuery> = {}) => {
      const q = query(overrides);
      const [row] = await ask(store, q);
      return Object.fromEntries(q.metrics.map((m, i) => [m, row!.metrics[i]]));
    };
    const rows = async (store: AnalyticsReader, overrides: Partial<StatsQuery>) =>
      (await ask(store, overrides)).map((r) => [...r.dimensions, ...r.metrics]);

    it('counts page views and events per page, leaving bots out unless asked', async () => {
      const store = await fresh();
      await store.commit({
        partition: 0,
        nextOffset: 4,
        events: [
          makeEvent({ timestamp: T0 + HOUR }),
          makeEvent({ timestamp: T0 + HOUR, event_type: 'click' }),
          makeEvent({ timestamp: T0 + 2 * HOUR, page: '/blog/post-1' }),
          makeEvent({ timestamp: T0 + 2 * HOUR, is_bot: true, device: 'bot', visitor_id: 'bot-1' }),
        ],
      });
      expect(await total(store, { filter: page('/home') })).toEqual({ pageviews: 1, events: 2 });
      expect(await total(store, { filter: page('/home'), includeBots: true })).toEqual({
        pageviews: 2,
        events: 3,
      });
      expect(await total(store, { filter: page('/blog/post-1') })).toEqual({
        pageviews: 1,
        events: 1,
      });
      expect(await total(store)).toEqual({ pageviews: 2, events: 3 });
      expect(await total(store, { siteId: 'other-site' })).toEqual({ pageviews: 0, events: 0 });
    });

    it('is idempotent: a replayed batch or a retried event_id changes nothing', async () => {
      const store = await fresh();
      const events = [
        makeEvent({ timestamp: T0 + MIN }),
        makeEvent({ timestamp: T0 + 2 * MIN, visitor_id: 'v2' }),
      ];
      expect(await store.commit({ partition: 3, nextOffset: 2, events })).toEqual({
        stored: 2,
        duplicates: 0,
      });
      expect(await store.commit({ partition: 3, nextOffset: 2, events })).toMatchObject({
        stored: 0,
      });
      expect(await store.checkpoint(3)).toBe(2);
      // The same event_id again at a later offset: a client retry after a lost 202.
      expect(
        await store.commit({
          partition: 3,
          nextOffset: 3,
          events: [{ ...events[0]!, received_at: events[0]!.received_at + 5_000 }],
        }),
      ).toEqual({ stored: 0, duplicates: 1 });
      expect(await store.checkpoint(3)).toBe(3);
      expect(await total(store, { metrics: ['pageviews', 'visitors', 'visits'] })).toEqual({
        pageviews: 2,
        visitors: 2,
        visits: 2,
      });
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

    it('answers any range exactly and time series in buckets of the query time zone', async () => {
      const store = await fresh();
      const times = [0, 59, 61, 119, 600, 1439, 1441, 2000].map((m) => T0 + m * MIN + 5_000);
      await store.commit({
        partition: 0,
        nextOffset: times.length,
        events: times.map((t, i) => makeEvent({ timestamp: t, visitor_id: `r${i}` })),
      });
      const ranges: Array<[number, number]> = [
        [T0, T0 + DAY],
        [T0 + 59 * MIN, T0 + 1441 * MIN],
        [T0 + 60 * MIN, T0 + 120 * MIN],
        [T0 - DAY, T0 + 3 * DAY],
        [T0 + 61 * MIN + 5_000, T0 + 61 * MIN + 5_001],
      ];
      for (const [from, to] of ranges) {
        const expected = times.filter((t) => t >= from && t < to).length;
        expect(
          (await total(store, { from, to, filter: page('/home') })).pageviews,
          `range ${from - T0}..${to - T0}`,
        ).toBe(expected);
        expect((await total(store, { from, to })).pageviews).toBe(expected);
      }
      const hourly = await rows(store, {
        from: T0,
        to: T0 + DAY,
        dimensions: ['time:hour'],
        metrics: ['pageviews'],
      });
      expect(hourly.slice(0, 2)).toEqual([
        [iso(T0, 'hour'), 2],
        [iso(T0 + HOUR, 'hour'), 2],
      ]);
      expect(hourly).toHaveLength(4);
      const daily = await rows(store, {
        from: T0,
        to: T0 + 2 * DAY,
        dimensions: ['time:day'],
        metrics: ['pageviews'],
        filter: page('/home'),
      });
      expect(daily).toEqual([
        [iso(T0, 'day'), 6],
        [iso(T0 + DAY, 'day'), 2],
      ]);
      const minutes = await rows(store, {
        from: T0,
        to: T0 + 3 * MIN,
        dimensions: ['time:minute'],
        metrics: ['events'],
      });
      expect(minutes).toEqual([[iso(T0, 'minute'), 1]]);
      // In UTC+1 (Europe/Berlin in winter, +2 in summer) the day holding T0 + 23:59 is the next local day.
      const local = await rows(store, {
        from: T0 - DAY,
        to: T0 + 3 * DAY,
        dimensions: ['time:day'],
        metrics: ['pageviews'],
        timezone: 'Europe/Berlin',
      });
      const expectedLocal = new Map<string, number>();
      for (const t of times) {
        const day = new Date(t + berlinOffsetHours(t) * HOUR).toISOString().slice(0, 10);
        expectedLocal.set(day, (expectedLocal.get(day) ?? 0) + 1);
      }
      expect(local).toEqual([...expectedLocal].sort().map(([d, n]) => [d, n]));
    });

    it('ranks top pages and breaks down by event name, source, browser, OS and device', async () => {
      const store = await fresh();
      const events = [
        ...Array.from({ length: 5 }, (_, i) =>
          makeEvent({
            timestamp: T0 + i * MIN,
            page: '/a',
            visitor_id: `v${i}`,
            referrer_host: 'news.example',
            browser: 'Chrome',
            os: 'Windows',
          }),
        ),
        ...Array.from({ length: 3 }, (_, i) =>
          makeEvent({ timestamp: T0 + i * MIN, page: '/b', visitor_id: 'same', device: 'mobile' }),
        ),
        makeEvent({ timestamp: T0, page: '/c', event_type: 'click', visitor_id: 'clicker' }),
        makeEvent({ timestamp: T0, page: '/c', event_type: 'signup', visitor_id: 'signer' }),
      ];
      await store.commit({ partition: 0, nextOffset: events.length, events });
      expect(
        await rows(store, {
          dimensions: ['event:page'],
          metrics: ['pageviews', 'visitors'],
          limit: 2,
        }),
      ).toEqual([
        ['/a', 5, 5],
        ['/b', 3, 1],
      ]);
      expect(await rows(store, { dimensions: ['event:name'], metrics: ['events'] })).toEqual([
        ['page_view', 8],
        ['click', 1],
        ['signup', 1],
      ]);
      expect(await rows(store, { dimensions: ['visit:source'], metrics: ['pageviews'] })).toEqual([
        ['news.example', 5],
        ['Direct / None', 3],
      ]);
      expect(await rows(store, { dimensions: ['visit:browser'], metrics: ['events'] })).toEqual([
        ['Chrome', 5],
        ['Firefox', 5],
      ]);
      expect(await rows(store, { dimensions: ['visit:device'], metrics: ['pageviews'] })).toEqual([
        ['desktop', 5],
        ['mobile', 3],
      ]);
      expect(
        (await rows(store, { dimensions: ['visit:os'], metrics: ['events'] }))
          .map((r) => r[0])
          .sort(),
      ).toEqual(['Linux', 'Windows']);
      // What the pre-aggregated store could not answer: a page filter with a breakdown, visitors by browser, visits of a page.
      expect(
        await rows(store, {
          dimensions: ['visit:browser'],
          metrics: ['visitors'],
          filter: page('/a'),
        }),
      ).toEqual([['Chrome', 5]]);
      expect(
        await total(store, { metrics: ['visits', 'bounce_rate'], filter: page('/b') }),
      ).toEqual({ visits: 1, bounce_rate: 0 });
    });

    it('gives the same first rows by visitors when asked for a few as when asked for all', async () => {
      const store = await fresh();
      // 120 pages: page i has i visitors, and events that do not follow visitors (a few visitors with many events).
      const events = Array.from({ length: 120 }, (_, i) => [
        ...Array.from({ length: i + 1 }, (_, v) =>
          makeEvent({ page: `/p${i}`, visitor_id: `v${i}-${v}`, timestamp: T0 + v * MIN }),
        ),
        ...Array.from({ length: (120 - i) * 2 }, (_, n) =>
          makeEvent({
            page: `/p${i}`,
            visitor_id: `heavy-${i % 3}`,
            timestamp: T0 + n * MIN,
            event_type: 'click',
          }),
        ),
      ]).flat();
      // And a long tail of pages seen once, which cannot be among the first.
      events.push(
        ...Array.from({ length: 400 }, (_, i) =>
          makeEvent({ page: `/tail-${i}`, visitor_id: `t${i}`, timestamp: T0 + i * MIN }),
        ),
      );
      await store.commit({ partition: 0, nextOffset: events.length, events });
      const all = await rows(store, {
        dimensions: ['event:page'],
        metrics: ['visitors', 'events'],
      });
      for (const [limit, offset] of [
        [5, 0],
        [10, 3],
        [1, 0],
      ] as const) {
        expect(
          await rows(store, {
            dimensions: ['event:page'],
            metrics: ['visitors', 'events'],
            limit,
            offset,
          }),
        ).toEqual(all.slice(offset, offset + limit));
      }
      // The pages with most visitors are the last ones, not those with most events (the first).
      expect(all.slice(0, 5).every((r) => Number(String(r[0]).slice(2)) >= 110)).toBe(true);
    });

    it('estimates unique visitors within 2 %, across partitions and batches', async () => {
      const store = await fresh();
      const visitors = 3000;
      for (let p = 0; p < 3; p++) {
        const events = Array.from({ length: visitors / 3 }, (_, i) =>
          makeEvent({ visitor_id: `visitor-${p}-${i}`, timestamp: T0 + (i % 48) * HOUR }),
        );
        await store.commit({ partition: p, nextOffset: events.length, events });
      }
      // Returning visitors on another day are the same visitors.
      await store.commit({
        partition: 0,
        nextOffset: 2000,
        events: [makeEvent({ visitor_id: 'visitor-0-1', timestamp: T0 + 30 * HOUR })],
      });
      const { visitors: estimate } = await total(store, { metrics: ['visitors'] });
      expect(Math.abs((estimate as number) - visitors) / visitors).toBeLessThan(0.02);
      expect(
        (
          await total(store, {
            metrics: ['visitors'],
            filter: page('/home'),
            from: T0,
            to: T0 + HOUR,
          })
        ).visitors,
      ).toBe(Math.ceil(1000 / 48) * 3);
    });

    it('builds visits from 30 minutes of inactivity, with bounce rate and duration, across batches and out of order', async () => {
      const store = await fresh();
      await store.commit({
        partition: 0,
        nextOffset: 3,
        events: [
          makeEvent({ visitor_id: 's1', timestamp: T0 + 10 * MIN }),
          makeEvent({ visitor_id: 's1', timestamp: T0 + 20 * MIN, page: '/b' }),
          makeEvent({ visitor_id: 's2', timestamp: T0 + 10 * MIN }),
        ],
      });
      // Later batch: s1 comes back after 60 minutes (new visit); a late event of s1 lands inside the first one.
      await store.commit({
        partition: 0,
        nextOffset: 5,
        events: [
          makeEvent({ visitor_id: 's1', timestamp: T0 + 80 * MIN }),
          makeEvent({ visitor_id: 's1', timestamp: T0 + 5 * MIN, event_type: 'click' }),
        ],
      });
      const s = await total(store, {
        metrics: ['visits', 'bounce_rate', 'visit_duration', 'views_per_visit'],
      });
      // Bounces: s2 (one view) and s1's second visit (one view); s1's first visit has two views and a click.
      expect(s).toEqual({
        visits: 3,
        bounce_rate: 67,
        visit_duration: Math.round((15 * 60) / 3),
        views_per_visit: 1.33,
      });
      expect(
        await rows(store, {
          from: T0,
          to: T0 + 2 * HOUR,
          dimensions: ['time:hour'],
          metrics: ['visits'],
        }),
      ).toEqual([
        [iso(T0, 'hour'), 2],
        [iso(T0 + HOUR, 'hour'), 1],
      ]);
      expect(await rows(store, { dimensions: ['visit:entry_page'], metrics: ['visits'] })).toEqual([
        ['/home', 3],
      ]);
      expect(await rows(store, { dimensions: ['visit:exit_page'], metrics: ['visits'] })).toEqual([
        ['/home', 2],
        ['/b', 1],
      ]);
      // A late event that closes the 60-minute gap joins s1's two visits into one.
      await store.commit({
        partition: 0,
        nextOffset: 6,
        events: [makeEvent({ visitor_id: 's1', timestamp: T0 + 50 * MIN, event_type: 'click' })],
      });
      expect(await total(store, { metrics: ['visits', 'bounce_rate'] })).toEqual({
        visits: 2,
        bounce_rate: 50,
      });
      expect(await rows(store, { dimensions: ['visit:exit_page'], metrics: ['visits'] })).toEqual([
        ['/home', 2],
      ]);
    });

    it("returns one visitor's events newest first, paginated by cursor without gaps", async () => {
      const store = await fresh();
      const events = Array.from({ length: 7 }, (_, i) =>
        makeEvent({ visitor_id: 'pager', timestamp: T0 + i * MIN, title: `e${i}` }),
      );
      await store.commit({
        partition: 0,
        nextOffset: 7,
        events: [...events, makeEvent({ visitor_id: 'other', timestamp: T0 })],
      });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let p = 0; p < 5; p++) {
        const result = await store.visitorEvents({
          siteId: SITE,
          visitorId: 'pager',
          limit: 3,
          cursor,
        });
        seen.push(...result.events.map((e) => e.title ?? ''));
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      expect(seen).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
      const first = await store.visitorEvents({ siteId: SITE, visitorId: 'pager', limit: 1 });
      expect(first.events[0]).toEqual(events[6]);
      await expect(
        store.visitorEvents({ siteId: SITE, visitorId: 'pager', limit: 1, cursor: 'not-a-cursor' }),
      ).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    });

    it("erases one visitor's events and visits in one site, leaving everyone else", async () => {
      const store = await fresh();
      const gone = [
        makeEvent({ visitor_id: 'gone', timestamp: T0 + MIN }),
        makeEvent({ visitor_id: 'gone', timestamp: T0 + DAY + MIN, page: '/blog' }),
      ];
      const kept = makeEvent({ visitor_id: 'kept', timestamp: T0 + MIN });
      const elsewhere = makeEvent({
        visitor_id: 'gone',
        site_id: 'other-site',
        timestamp: T0 + MIN,
      });
      await store.commit({ partition: 0, nextOffset: 4, events: [...gone, kept, elsewhere] });
      expect(await total(store, { metrics: ['pageviews', 'visits'] })).toEqual({
        pageviews: 3,
        visits: 3,
      });

      expect(await store.eraseVisitor(SITE, 'gone')).toBe(2);
      expect(
        (await store.visitorEvents({ siteId: SITE, visitorId: 'gone', limit: 10 })).events,
      ).toEqual([]);
      expect(
        (await store.visitorEvents({ siteId: SITE, visitorId: 'kept', limit: 10 })).events,
      ).toEqual([kept]);
      expect(
        (await store.visitorEvents({ siteId: 'other-site', visitorId: 'gone', limit: 10 })).events,
      ).toEqual([elsewhere]);
      expect(await total(store, { metrics: ['pageviews', 'visits'] })).toEqual({
        pageviews: 1,
        visits: 1,
      });
      expect(await store.eraseVisitor(SITE, 'gone')).toBe(0);

      // The visitor may come back: a new event starts from nothing and is stored and counted.
      const back = makeEvent({ visitor_id: 'gone', timestamp: T0 + 2 * HOUR });
      expect(await store.commit({ partition: 0, nextOffset: 5, events: [back] })).toEqual({
        stored: 1,
        duplicates: 0,
      });
      expect(
        (await store.visitorEvents({ siteId: SITE, visitorId: 'gone', limit: 10 })).events,
      ).toEqual([back]);
    });

    it('lists the sites that have events, in order, and when each began', async () => {
      const store = await fresh();
      expect(await store.sites(10)).toEqual([]);
      expect(await store.firstEventAt('site-a')).toBeNull();
      for (const [i, site] of ['site-c', 'site-a', 'site-b'].entries()) {
        await store.commit({
          partition: i,
          nextOffset: 1,
          events: [makeEvent({ site_id: site, timestamp: T0 + i * HOUR })],
        });
      }
      await store.commit({
        partition: 1,
        nextOffset: 2,
        events: [makeEvent({ site_id: 'site-a', timestamp: T0 - HOUR })],
      });
      expect(await store.sites(10)).toEqual(['site-a', 'site-b', 'site-c']);
      expect(await store.sites(2)).toEqual(['site-a', 'site-b']);
      expect(await store.firstEventAt('site-a')).toBe(T0 - HOUR);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('lists the sites that have data, in ascending order, up to a limit (sites)', async () => {
      const store = await fresh();
      expect(await store.sites(10)).toEqual([]);
      for (const [i, site] of ['site-c', 'site-a', 'site-b'].entries()) {
        await store.commit({
          partition: i,
          nextOffset: 1,
          events: [makeEvent({ site_id: site, timestamp: T0 + i * MIN })],
        });
      }
      // A bot-only site has data too.
      await store.commit({
        partition: 4,
        nextOffset: 1,
        events: [makeEvent({ site_id: 'site-d', timestamp: T0, is_bot: true, visitor_id: 'bot' })],
      });
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
      expect(
        await store.commit({
          partition: 5,
          nextOffset: 2,
          events: [makeEvent({ timestamp: T0 + MIN }), makeEvent({ timestamp: T0 + 2 * MIN })],
        }),
      ).toEqual({ stored: 2, duplicates: 0 });
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

function iso(t: number, granularity: 'minute' | 'hour' | 'day'): string {
  const s = new Date(t).toISOString();
  return granularity === 'day' ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

/** Europe/Berlin's offset from UTC at an instant, in hours (1 in winter, 2 in summer). */
function berlinOffsetHours(t: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(t);
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  return (hour - new Date(t).getUTCHours() + 24) % 24;
}
