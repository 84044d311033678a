import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Goal } from '../../src/domain/stats/goals.js';
import type { FilterExpr, StatsQuery } from '../../src/domain/stats/query-model.js';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import { makeEvent } from '../support/events.js';
import { referenceRange } from './reference/date-range.js';
import { bucketLabel, startOfDay, timeLabels } from './reference/local-clock.js';
import { referenceAnswer, type ReferenceAnswer } from './reference/reference.js';
import { globMatches, holds } from './reference/values.js';
import { buildVisits } from './reference/visits.js';

/**
 * The reference checked on cases small enough to work out by hand, so that a mistake in it is
 * caught here rather than mirrored by the differential test. Every expected number is computed
 * in the comment beside it.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.UTC(2026, 9, 20, 10); // Tuesday 20 October 2026, 10:00 UTC
const SITE = 'alpha.test';

let ids = 0;
const ev = (
  visitor: string,
  minutes: number,
  overrides: Partial<TrackedEvent> = {},
): TrackedEvent =>
  makeEvent({
    event_id: `ev-${String(++ids).padStart(4, '0')}`,
    site_id: SITE,
    visitor_id: visitor,
    timestamp: T + minutes * MIN,
    received_at: T,
    ...overrides,
  });

const query = (overrides: Partial<StatsQuery>): StatsQuery => ({
  siteId: SITE,
  metrics: ['visitors'],
  from: T - 2 * HOUR,
  to: T + 10 * HOUR,
  timezone: 'UTC',
  dimensions: [],
  filter: null,
  orderBy: [],
  includeBots: false,
  includeTotalRows: false,
  includeTimeLabels: false,
  limit: 10_000,
  offset: 0,
  ...overrides,
});

function answer(
  events: TrackedEvent[],
  q: Partial<StatsQuery>,
  goals: Goal[] = [],
): Extract<ReferenceAnswer, { kind: 'answer' }> {
  const result = referenceAnswer({ events, goals, query: query(q) });
  if (result.kind !== 'answer') throw new Error('refused');
  return result;
}
const rows = (events: TrackedEvent[], q: Partial<StatsQuery>, goals: Goal[] = []) =>
  answer(events, q, goals).results.map((r) => [...r.dimensions, ...r.metrics]);

const leaf = (op: string, dimension: string, values: string[]): FilterExpr => ({
  kind: 'leaf',
  op: op as never,
  dimension: dimension as never,
  values,
});

/**
 * Visitor a: page views of / at 0 and /pricing at 10 min, a click at 40 (30 minutes after: same
 * visit), then a page view of /blog at 71 (31 minutes after: a second visit). Visitor b: one page
 * view of /pricing at 5 with a Google referrer, and a scroll to 60 % on it at 6. A bot views / at 20.
 */
function sample(): TrackedEvent[] {
  return [
    ev('a', 0, { page: '/' }),
    ev('a', 10, { page: '/pricing' }),
    ev('a', 40, { event_type: 'click', page: '/pricing' }),
    ev('a', 71, { page: '/blog', browser: 'Chrome' }),
    ev('b', 5, {
      page: '/pricing',
      referrer: 'https://www.google.com/search?q=x',
      referrer_host: 'google.com',
    }),
    ev('b', 6, { event_type: 'scroll', page: '/pricing', scroll_depth: 60 }),
    ev('bot', 20, { page: '/', is_bot: true, device: 'bot' }),
  ];
}

describe('reference: visits', () => {
  it("cuts a visitor's events where more than 30 minutes pass, in timestamp order whatever the arrival", () => {
    const events = sample().slice(0, 4).reverse();
    const { visits } = buildVisits(events);
    expect(
      visits.map((v) => [
        v.start - T,
        v.durationMs / MIN,
        v.entryPage,
        v.exitPage,
        v.pageviews,
        v.bounced,
      ]),
    ).toEqual([
      [0, 40, '/', '/pricing', 2, false],
      [71 * MIN, 0, '/blog', '/blog', 1, true],
    ]);
    expect(visits[1]!.attributes.browser).toBe('Chrome');
  });

  it('orders events of the same millisecond by event_id', () => {
    const { visits } = buildVisits([
      ev('a', 0, { event_id: 'zz-000001', page: '/z' }),
      ev('a', 0, { event_id: 'aa-000001', page: '/a' }),
    ]);
    expect(visits[0]!.entryPage).toBe('/a');
    expect(visits[0]!.exitPage).toBe('/z');
  });
});

describe('reference: metrics without dimensions', () => {
  it('counts visitors, visits, page views, events and visit figures, leaving bots out', () => {
    const all = [
      'visitors',
      'visits',
      'pageviews',
      'events',
      'views_per_visit',
      'bounce_rate',
      'visit_duration',
      'scroll_depth',
    ] as const;
    // Visits: a's (0–40, 2 views, no bounce), a's (71, bounce), b's (5–6, 1 view + scroll: bounce).
    // views_per_visit 4/3 = 1.33; bounce_rate 2/3 = 67; duration (2400 + 0 + 60) s / 3 = 820.
    // scroll_depth: pages of visits — a1: /, /pricing (0, 0); a2: /blog (0); b: /pricing (60) → 60/4 = 15.
    expect(rows(sample(), { metrics: all })).toEqual([[2, 3, 4, 6, 1.33, 67, 820, 15]]);
    // With bots: + the bot's visitor, visit (a bounce) and page view; 5/4 = 1.25, 3/4 = 75, 2460/4 = 615, 60/5 = 12.
    expect(rows(sample(), { metrics: all, includeBots: true })).toEqual([
      [3, 4, 5, 7, 1.25, 75, 615, 12],
    ]);
  });

  it('answers one row of zeros for a site without events, and no rows with a dimension', () => {
    expect(
      rows(sample(), {
        siteId: 'other.test',
        metrics: ['visitors', 'bounce_rate', 'scroll_depth'],
      }),
    ).toEqual([[0, 0, null]]);
    expect(rows(sample(), { siteId: 'other.test', dimensions: ['event:page'] })).toEqual([]);
  });

  it('keeps the first copy of a retried event_id', () => {
    const events = sample();
    expect(
      rows([...events, { ...events[0]!, received_at: T + HOUR }], { metrics: ['pageviews'] }),
    ).toEqual([[4]]);
  });

  it('counts a visit that starts in the range, and events in the range of a visit that started before', () => {
    // From minute 30: a's click (40) and /blog (71), b's nothing, so events 2; visits: only a's second (71).
    expect(
      rows(sample(), { from: T + 30 * MIN, metrics: ['events', 'visits', 'visitors'] }),
    ).toEqual([[2, 1, 1]]);
  });
});

describe('reference: dimensions and order', () => {
  it('groups events by page: first metric descending, then the page ascending', () => {
    expect(rows(sample(), { dimensions: ['event:page'], metrics: ['events', 'visitors'] })).toEqual(
      [
        ['/pricing', 4, 2],
        ['/', 1, 1],
        ['/blog', 1, 1],
      ],
    );
  });

  it("groups visits by their first event's source", () => {
    expect(
      rows(sample(), { dimensions: ['visit:source'], metrics: ['visits', 'pageviews'] }),
    ).toEqual([
      ['Direct / None', 2, 3],
      ['google.com', 1, 1],
    ]);
  });

  it('keeps a group that has only visits when visit metrics are asked, and only events otherwise', () => {
    // By hour from 10:30: the 10:00 bucket has the click at 40 (no visit starts there); 11:00 has /blog (a visit).
    const q = { from: T + 30 * MIN, dimensions: ['time:hour'] as const };
    expect(rows(sample(), { ...q, metrics: ['visits'] })).toEqual([['2026-10-20 11:00:00', 1]]);
    expect(rows(sample(), { ...q, metrics: ['visits', 'events'] })).toEqual([
      ['2026-10-20 10:00:00', 0, 1],
      ['2026-10-20 11:00:00', 1, 1],
    ]);
  });

  it('orders by order_by, pages, and sorts a null scroll depth below every number', () => {
    const q = {
      dimensions: ['event:page'] as const,
      metrics: ['scroll_depth' as const, 'events' as const],
    };
    // Page pairs: / (a1) 0, /pricing (a1 0, b 60) 30, /blog 0. Events add nothing to scroll_depth.
    expect(rows(sample(), { ...q, orderBy: [{ name: 'scroll_depth', direction: 'asc' }] })).toEqual(
      [
        ['/', 0, 1],
        ['/blog', 0, 1],
        ['/pricing', 30, 4],
      ],
    );
    const withClickOnly = [...sample(), ev('c', 90, { event_type: 'signup', page: '/signup' })];
    expect(
      rows(withClickOnly, {
        ...q,
        orderBy: [{ name: 'scroll_depth', direction: 'asc' }],
        limit: 2,
        offset: 0,
      }),
    ).toEqual([
      ['/signup', null, 1],
      ['/', 0, 1],
    ]);
    expect(
      answer(withClickOnly, { ...q, limit: 2, offset: 1, includeTotalRows: true }).totalRows,
    ).toBe(4);
  });

  it('takes scroll depth over the pages viewed among the counted events, the deepest counted scroll of the same group', () => {
    const events = [
      ...sample(),
      ev('a', 12, { event_type: 'scroll', page: '/pricing', scroll_depth: 80 }),
    ];
    // From minute 8 the counted events are a's /pricing view, its 80 % scroll there, and /blog of
    // a's second visit, not scrolled: (80 + 0) / 2 = 40 — whether or not the visit itself counts.
    expect(rows(events, { from: T + 8 * MIN, metrics: ['scroll_depth', 'pageviews'] })).toEqual([
      [40, 2],
    ]);
    // By event name the scrolls fall in another group than the page views: every viewed page has 0,
    // and scrolls alone make no page.
    expect(rows(events, { dimensions: ['event:name'], metrics: ['scroll_depth'] })).toEqual([
      ['page_view', 0],
    ]);
  });

  it('breaks events down by goal, once per goal an event completes; percentage and conversion rate', () => {
    const goals: Goal[] = [
      {
        id: '1',
        siteId: SITE,
        name: 'Pricing',
        pagePath: '/pricing',
        eventName: null,
        property: null,
      },
      { id: '2', siteId: SITE, name: 'Top page', pagePath: '/*', eventName: null, property: null },
      { id: '3', siteId: SITE, name: 'Click', pagePath: null, eventName: 'click', property: null },
    ];
    // Pricing: a's /pricing view, b's; Top page: /, /pricing ×2, /blog (4 views of a and b); Click: a's click.
    expect(
      rows(
        sample(),
        {
          dimensions: ['event:goal'],
          metrics: ['events', 'visitors', 'percentage', 'conversion_rate'],
        },
        goals,
      ),
    ).toEqual([
      ['Top page', 4, 2, 100, 100],
      ['Pricing', 2, 2, 100, 100],
      ['Click', 1, 1, 50, 50],
    ]);
    // With a goal filter: 1 of the 2 visitors clicked (conversion 50), and the base of percentage is that 1.
    expect(
      rows(
        sample(),
        {
          filter: leaf('is', 'event:goal', ['Click']),
          dimensions: ['visit:browser'],
          metrics: ['visitors', 'conversion_rate', 'percentage'],
        },
        goals,
      ),
    ).toEqual([['Firefox', 1, 50, 100]]);
  });

  it("labels time buckets in the query's zone, a repeated hour once", () => {
    const events = [
      ev('a', 0, { timestamp: Date.UTC(2026, 9, 25, 0, 30) }), // 02:30 CEST
      ev('b', 0, { timestamp: Date.UTC(2026, 9, 25, 1, 30) }), // 02:30 CET, the same wall-clock hour
      ev('c', 0, { timestamp: Date.UTC(2026, 9, 25, 2, 30) }), // 03:30 CET
    ];
    const range = { from: Date.UTC(2026, 9, 24), to: Date.UTC(2026, 9, 26) };
    expect(
      rows(events, {
        ...range,
        timezone: 'Europe/Berlin',
        dimensions: ['time:hour'],
        metrics: ['visitors'],
      }),
    ).toEqual([
      ['2026-10-25 02:00:00', 2],
      ['2026-10-25 03:00:00', 1],
    ]);
    // Kolkata is 5:30 ahead: 00:30 UTC is 06:00 there, 01:30 is 07:00, 02:30 is 08:00.
    expect(
      rows(events, {
        ...range,
        timezone: 'Asia/Kolkata',
        dimensions: ['time:hour'],
        metrics: ['visitors'],
      }).map((r) => r[0]),
    ).toEqual(['2026-10-25 06:00:00', '2026-10-25 07:00:00', '2026-10-25 08:00:00']);
    // St John's is 2:30 behind (daylight time): 00:30 and 01:30 UTC are 22:00 and 23:00 on the 24th, 02:30 is midnight.
    expect(
      rows(events, {
        ...range,
        timezone: 'America/St_Johns',
        dimensions: ['time:day'],
        metrics: ['visitors'],
      }),
    ).toEqual([
      ['2026-10-24', 2],
      ['2026-10-25', 1],
    ]);
  });
});

describe('reference: filters and goals', () => {
  it('matches page goals: * within a segment, ** across segments', () => {
    expect(globMatches('/blog/*', '/blog/post-1')).toBe(true);
    expect(globMatches('/blog/*', '/blog/a/b')).toBe(false);
    expect(globMatches('/blog/*', '/blog')).toBe(false);
    expect(globMatches('/*', '/')).toBe(true);
    expect(globMatches('/docs/**', '/docs/a/b')).toBe(true);
    expect(globMatches('/docs/**', '/documents')).toBe(false);
    expect(globMatches('/a.c', '/abc')).toBe(false);
  });

  it('holds is_not on a missing property, and regexes unanchored', () => {
    const e = ev('a', 0, { properties: { plan: 'pro', n: 12.5, ok: true, gone: null } });
    const { visitOf } = buildVisits([e]);
    const visit = visitOf.get(e)!;
    expect(holds(leaf('is_not', 'event:props:missing', ['x']), e, visit, [])).toBe(true);
    expect(holds(leaf('is', 'event:props:missing', ['(none)']), e, visit, [])).toBe(true);
    expect(holds(leaf('is', 'event:props:gone', ['(none)']), e, visit, [])).toBe(true);
    expect(holds(leaf('is', 'event:props:n', ['12.5']), e, visit, [])).toBe(true);
    expect(holds(leaf('is', 'event:props:ok', ['true']), e, visit, [])).toBe(true);
    expect(holds(leaf('matches', 'event:props:plan', ['r']), e, visit, [])).toBe(true);
    expect(holds(leaf('matches_not', 'event:props:plan', ['^r']), e, visit, [])).toBe(true);
    expect(holds(leaf('contains', 'visit:browser', ['fox']), e, visit, [])).toBe(true);
    expect(
      holds({ kind: 'not', child: leaf('contains', 'visit:browser', ['Fox']) }, e, visit, []),
    ).toBe(true);
  });

  it('counts a visit when one of its counted events makes an event filter hold', () => {
    // Only a's first visit has a click; its pages are / and /pricing.
    expect(
      rows(sample(), {
        filter: leaf('is', 'event:name', ['click']),
        metrics: ['visits', 'events', 'bounce_rate'],
      }),
    ).toEqual([[1, 1, 0]]);
    // visit:exit_page is /pricing for a's first visit and b's.
    expect(
      rows(sample(), {
        filter: leaf('is', 'visit:exit_page', ['/pricing']),
        metrics: ['visits', 'events'],
      }),
    ).toEqual([[2, 5]]);
  });
});

describe('reference: time', () => {
  it('resolves ranges on the calendar of the zone', () => {
    const now = Date.UTC(2026, 9, 26, 7, 12);
    const ctx = { zone: 'Europe/Berlin', now, maxRangeDays: 400, firstEventAt: null };
    // 25 October in Berlin: 22:00 UTC on the 24th to 23:00 UTC on the 25th (25 hours: clocks go back).
    expect(referenceRange(['2026-10-25', '2026-10-25'], ctx)).toEqual({
      from: Date.UTC(2026, 9, 24, 22),
      to: Date.UTC(2026, 9, 25, 23),
    });
    expect(referenceRange('day', ctx)).toEqual({
      from: Date.UTC(2026, 9, 25, 23),
      to: Date.UTC(2026, 9, 26, 23),
    });
    expect(referenceRange('7d', ctx)).toEqual({
      from: Date.UTC(2026, 9, 19, 22),
      to: Date.UTC(2026, 9, 26, 23),
    });
    expect(referenceRange('month', ctx)).toEqual({
      from: Date.UTC(2026, 8, 30, 22),
      to: Date.UTC(2026, 9, 31, 23),
    });
    expect(referenceRange(['2026-10-25T02:30:00+05:30', '2026-10-25T03:00:00Z'], ctx)).toEqual({
      from: Date.UTC(2026, 9, 24, 21),
      to: Date.UTC(2026, 9, 25, 3) + 1,
    });
    expect(referenceRange(['2026-10-25', '2026-10-24'], ctx)).toBeNull();
    expect(referenceRange('all', { ...ctx, firstEventAt: Date.UTC(2026, 9, 20, 21, 59) })).toEqual({
      from: Date.UTC(2026, 9, 19, 22),
      to: Date.UTC(2026, 9, 26, 23),
    });
  });

  it('labels weeks by their Monday and months by their first day', () => {
    expect(bucketLabel(Date.UTC(2026, 10, 1, 12), 'week', 'UTC')).toBe('2026-10-26');
    expect(bucketLabel(Date.UTC(2026, 9, 31, 23, 30), 'month', 'Europe/Berlin')).toBe('2026-11-01');
    expect(startOfDay({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin')).toBe(
      Date.UTC(2026, 2, 28, 23),
    );
  });

  it('lists the hours of a day in the zone, the skipped hour not among them', () => {
    const day = { from: Date.UTC(2026, 2, 28, 23), to: Date.UTC(2026, 2, 29, 22) };
    const labels = timeLabels(day.from, day.to, 'hour', 'Europe/Berlin', 10_000);
    expect(labels).toHaveLength(23);
    expect(labels.slice(0, 3)).toEqual([
      '2026-03-29 00:00:00',
      '2026-03-29 01:00:00',
      '2026-03-29 03:00:00',
    ]);
    expect(
      timeLabels(
        Date.UTC(2026, 9, 24, 22),
        Date.UTC(2026, 9, 25, 23),
        'hour',
        'Europe/Berlin',
        10_000,
      ),
    ).toHaveLength(24);
    expect(
      timeLabels(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1), 'minute', 'UTC', 10_000),
    ).toHaveLength(10_001);
  });
});

describe('reference: written apart from the engines it checks', () => {
  // Types are free to share; code of the stores, the engine and the domain parts they run on is not.
  const FORBIDDEN = [
    /\/src\/store\//,
    /\/src\/query\/stats\//,
    /\/domain\/visits\.js$/,
    /\/domain\/hyperloglog\.js$/,
    /\/domain\/stats\/local-time\.js$/,
    /\/domain\/stats\/aggregate-plan\.js$/,
    /\/domain\/stats\/goals\.js$/,
  ];

  it('imports no code from the stores, the engine, the visit planner, HyperLogLog, local time, the plan or goals', () => {
    const dir = join(import.meta.dirname, 'reference');
    const offending = readdirSync(dir).flatMap((file) =>
      [
        ...readFileSync(join(dir, file), 'utf8').matchAll(
          /^import (type )?[^;]*? from '([^']+)';$/gms,
        ),
      ]
        .filter(([, type, from]) => type === undefined && FORBIDDEN.some((re) => re.test(from!)))
        .map(([, , from]) => `${file}: ${from}`),
    );
    expect(offending).toEqual([]);
  });
});
