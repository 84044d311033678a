/**
 * fast-check generators of general queries as a client writes them (JSON, docs/query.md), valid
 * by construction: the harness runs each through `parseStatsRequest`, so they are exactly what the
 * route accepts. Filter values come from the pools the events are made of, so filters hit.
 */
import fc from 'fast-check';
import {
  EMPTY_SITE,
  EVENT_NAMES,
  GOAL_NAMES,
  PAGES,
  PLACES,
  PROFILES,
  PROPERTIES,
  SITES,
  UTM,
  type Anchor,
} from './event-generators.js';

const HOUR = 3_600_000;
const MIN = 60_000;

export const ZONES = ['UTC', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kolkata'] as const;
const SHORTCUTS = [
  'day',
  '24h',
  '7d',
  '28d',
  '30d',
  'month',
  '6mo',
  '12mo',
  'year',
  'all',
] as const;
const ALL_METRICS = [
  'visitors',
  'visits',
  'pageviews',
  'events',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
  'scroll_depth',
  'percentage',
  'conversion_rate',
] as const;
const VISIT_METRICS = new Set(['visits', 'views_per_visit', 'bounce_rate', 'visit_duration']);
const TIME_DIMENSIONS = ['time', 'time:minute', 'time:hour', 'time:day', 'time:week', 'time:month'];
const PROPERTY_DIMENSIONS = [
  'event:props:plan',
  'event:props:amount',
  'event:props:logged_in',
  'event:props:empty',
  'event:props:nothing',
];
const EVENT_DIMENSIONS = [
  'event:page',
  'event:name',
  'event:hostname',
  'event:goal',
  ...PROPERTY_DIMENSIONS,
];
const VISIT_DIMENSIONS = [
  'visit:entry_page',
  'visit:exit_page',
  'visit:source',
  'visit:referrer',
  'visit:channel',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:utm_content',
  'visit:utm_term',
  'visit:device',
  'visit:browser',
  'visit:browser_version',
  'visit:os',
  'visit:os_version',
  'visit:country',
  'visit:region',
  'visit:city',
];

const none = (values: ReadonlyArray<string | number | boolean | null>): string[] =>
  values.map((v) => (v === null ? '(none)' : String(v)));
const unique = (values: readonly string[]): string[] => [...new Set(values)];

/** Values that occur (or nearly) for each filterable dimension. */
const VALUES: Record<string, string[]> = {
  'event:page': [...PAGES, '/nope'],
  'event:name': [...EVENT_NAMES, 'nope'],
  'event:hostname': ['alpha.test', 'www.alpha.test', 'shop.beta.test', 'beta.test', '(none)'],
  'event:goal': [...GOAL_NAMES, 'No such goal'],
  'visit:entry_page': [...PAGES, '(none)'],
  'visit:exit_page': [...PAGES, '(none)'],
  'visit:source': [
    'Direct / None',
    'google.com',
    'google',
    'news.ycombinator.com',
    't.co',
    'youtube.com',
    'example.org',
    'alpha.test',
    'newsletter',
    'facebook',
    'Twitter',
  ],
  'visit:referrer': [
    'Direct / None',
    'google.com/search',
    'news.ycombinator.com/item',
    't.co/abc',
    'youtube.com/watch',
    'duckduckgo.com',
    'example.org/path',
    'alpha.test/pricing',
  ],
  'visit:channel': [
    'Direct',
    'Organic Search',
    'Paid Search',
    'Referral',
    'Organic Social',
    'Paid Social',
    'Email',
    'Organic Video',
    'Display',
    'Affiliates',
    'Paid Other',
  ],
  'visit:utm_source': unique(none(UTM.source)),
  'visit:utm_medium': unique(none(UTM.medium)),
  'visit:utm_campaign': unique(none(UTM.campaign)),
  'visit:utm_content': unique(none(UTM.content)),
  'visit:utm_term': unique(none(UTM.term)),
  'visit:device': unique(PROFILES.map((p) => p.device)),
  'visit:browser': unique(PROFILES.map((p) => p.browser)),
  'visit:browser_version': unique(none(PROFILES.map((p) => p.browser_version))),
  'visit:os': unique(PROFILES.map((p) => p.os)),
  'visit:os_version': unique(none(PROFILES.map((p) => p.os_version))),
  'visit:country': unique(none(PLACES.map((p) => p.country))),
  'visit:region': unique(none(PLACES.map((p) => p.region))),
  'visit:city': unique(none(PLACES.map((p) => p.city))),
  ...Object.fromEntries(
    Object.entries(PROPERTIES).map(([key, values]) => [
      `event:props:${key}`,
      unique([...none(values), '(none)']),
    ]),
  ),
};

const escapeRe = (s: string): string => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
const GENERIC_REGEXES = ['.', '^[A-Z]', 'e', '^\\(none\\)$', '(?i)^d', '\\d', 'o{2}|ü', '^$'];

const valueFor = (dimension: string) => fc.constantFrom(...VALUES[dimension]!);
/** A substring of a value that occurs. */
const substringFor = (dimension: string) =>
  fc
    .tuple(valueFor(dimension), fc.nat(), fc.integer({ min: 1, max: 6 }))
    .map(([v, start, length]) => {
      const from = v.length === 0 ? 0 : start % v.length;
      return v.slice(from, from + length) || v || 'x';
    });
const regexFor = (dimension: string) =>
  fc.oneof(
    fc.constantFrom(...GENERIC_REGEXES),
    valueFor(dimension).map((v) => `^${escapeRe(v)}$`),
    substringFor(dimension).map(escapeRe),
  );

const FILTER_DIMENSIONS = [...EVENT_DIMENSIONS, ...VISIT_DIMENSIONS];

const leafArb = fc
  .constantFrom(...FILTER_DIMENSIONS)
  .chain((dimension): fc.Arbitrary<unknown[]> => {
    if (dimension === 'event:goal') {
      return fc
        .tuple(
          fc.constantFrom('is', 'is_not'),
          fc.uniqueArray(valueFor(dimension), { minLength: 1, maxLength: 2 }),
        )
        .map(([op, values]) => [op, dimension, values]);
    }
    return fc
      .constantFrom('is', 'is_not', 'contains', 'contains_not', 'matches', 'matches_not')
      .chain((op) => {
        const value = op.startsWith('is')
          ? valueFor(dimension)
          : op.startsWith('contains')
            ? substringFor(dimension)
            : regexFor(dimension);
        return fc
          .array(value, { minLength: 1, maxLength: 3 })
          .map((values) => [op, dimension, values]);
      });
  });

/** A filter nested at most `depth` levels (the parser allows 5). */
const filterOf: (depth: number) => fc.Arbitrary<unknown[]> = fc.memo((depth) =>
  depth <= 1
    ? leafArb
    : fc.oneof(
        { weight: 5, arbitrary: leafArb },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.constantFrom('and', 'or'),
              fc.array(filterOf(depth - 1), { minLength: 1, maxLength: 3 }),
            )
            .map((t) => [...t]),
        },
        { weight: 1, arbitrary: filterOf(depth - 1).map((f) => ['not', f]) },
      ),
);
const filterArb = filterOf(4);

const hasGoalLeaf = (filter: unknown): boolean =>
  Array.isArray(filter) &&
  (filter[1] === 'event:goal' || filter.some((part) => Array.isArray(part) && hasGoalLeaf(part)));

const pad = (n: number): string => String(n).padStart(2, '0');
const isoDate = (t: number): string => new Date(t).toISOString().slice(0, 10);
/** An instant written with one of a few offsets (the same instant, other wall-clock text). */
function isoWithOffset(t: number, offsetMinutes: number): string {
  const wall = new Date(t + offsetMinutes * MIN).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${wall}Z`;
  const a = Math.abs(offsetMinutes);
  return `${wall}${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

function dateRangeArb(anchor: Anchor) {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.integer({ min: -2, max: 1 }), fc.integer({ min: 0, max: 3 }))
        .map(([start, days]) => [
          isoDate(anchor.at + start * 24 * HOUR),
          isoDate(anchor.at + (start + days) * 24 * HOUR),
        ]),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.integer({ min: -36 * 60, max: 30 * 60 }),
          fc.oneof(fc.integer({ min: 1, max: 180 }), fc.integer({ min: 180, max: 60 * 60 })),
          fc.integer({ min: 0, max: 59_999 }),
          fc.constantFrom(0, 60, 120, 330, -210, -150),
        )
        .map(([start, length, ms, offset]) => {
          const from = anchor.at + start * MIN + Math.floor(ms / 1000) * 1000;
          return [isoWithOffset(from, offset), isoWithOffset(from + length * MIN, offset)];
        }),
    },
    { weight: 2, arbitrary: fc.constantFrom(...SHORTCUTS) },
  );
}

export type QueryJson = Record<string, unknown>;

export function queryArb(anchor: Anchor): fc.Arbitrary<QueryJson> {
  return fc
    .record({
      site: fc.oneof(
        { weight: 12, arbitrary: fc.constant(SITES[0]) },
        { weight: 4, arbitrary: fc.constant(SITES[1]) },
        { weight: 1, arbitrary: fc.constant(EMPTY_SITE) },
      ),
      timezone: fc.option(fc.constantFrom(...ZONES), { nil: undefined, freq: 4 }),
      dateRange: dateRangeArb(anchor),
      attributes: fc.uniqueArray(
        fc.oneof(fc.constantFrom(...EVENT_DIMENSIONS), fc.constantFrom(...VISIT_DIMENSIONS)),
        { maxLength: 2 },
      ),
      time: fc.option(fc.constantFrom(...TIME_DIMENSIONS), { freq: 3 }),
      timeAt: fc.nat(2),
      filters: fc.oneof(
        { weight: 2, arbitrary: fc.constant<unknown[][]>([]) },
        { weight: 3, arbitrary: fc.array(filterArb, { minLength: 1, maxLength: 2 }) },
      ),
      metrics: fc.shuffledSubarray([...ALL_METRICS], { minLength: 1, maxLength: 5 }),
      fallback: fc.constantFrom('visitors', 'events', 'pageviews'),
      order: fc.option(
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('asc', 'desc')), {
          minLength: 1,
          maxLength: 3,
        }),
        { freq: 3 },
      ),
      include: fc.option(
        fc.record(
          { bots: fc.boolean(), total_rows: fc.boolean(), time_labels: fc.boolean() },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
      pagination: fc.option(
        fc.record(
          { limit: fc.integer({ min: 1, max: 6 }), offset: fc.integer({ min: 0, max: 4 }) },
          { requiredKeys: [] },
        ),
        { nil: undefined, freq: 3 },
      ),
    })
    .map((g) => {
      const dimensions = [...g.attributes];
      if (g.time !== null) dimensions.splice(Math.min(g.timeAt, dimensions.length), 0, g.time);
      const eventDimension = dimensions.some((d) => d.startsWith('event:'));
      const goalFilter = g.filters.some(hasGoalLeaf);
      // Keep only the metrics the parser accepts with these dimensions and filters (docs/query.md, Metrics).
      let metrics = g.metrics.filter(
        (m) =>
          !(VISIT_METRICS.has(m) && eventDimension) &&
          !(m === 'percentage' && !dimensions.some((d) => !TIME_DIMENSIONS.includes(d))) &&
          !(m === 'conversion_rate' && !dimensions.includes('event:goal') && !goalFilter),
      );
      if (metrics.length === 0) metrics = [g.fallback];
      const names = [...metrics, ...dimensions];
      const query: QueryJson = { site_id: g.site, metrics, date_range: g.dateRange };
      if (g.timezone !== undefined) query.timezone = g.timezone;
      if (dimensions.length > 0) query.dimensions = dimensions;
      if (g.filters.length > 0) query.filters = g.filters;
      if (g.order)
        query.order_by = g.order
          .slice(0, names.length)
          .map(([i, direction]) => [names[i % names.length], direction]);
      if (g.include) query.include = g.include;
      if (g.pagination) query.pagination = g.pagination;
      return query;
    });
}
