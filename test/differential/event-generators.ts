/**
 * fast-check generators of what the stores are sent: a few visitors of two sites over about two
 * days around a daylight-saving change, their events in a shuffled arrival order with retries,
 * and each site's goals. Values come from small pools so that filters and goals hit them.
 */
import fc from 'fast-check';
import type { Goal } from '../../src/domain/stats/goals.js';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';

const MIN = 60_000;
const HOUR = 3_600_000;

/** A fixed instant the events gather around, and the `now` of queries with shortcut ranges. */
export interface Anchor {
  name: string;
  at: number;
  now: number;
}

/** Berlin's clocks go forward at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25 October. */
export const ANCHORS: readonly Anchor[] = [
  { name: 'spring-forward', at: Date.UTC(2026, 2, 29, 1), now: Date.UTC(2026, 2, 30, 7, 12, 5) },
  { name: 'fall-back', at: Date.UTC(2026, 9, 25, 1), now: Date.UTC(2026, 9, 26, 7, 12, 5) },
];

export const SITES = ['alpha.test', 'beta.test'] as const;
/** A site with no events: queries of it must answer zeros. */
export const EMPTY_SITE = 'gamma.test';

export const PAGES = [
  '/',
  '/blog',
  '/blog/post-1',
  '/blog/post-2',
  '/pricing',
  '/docs/api/v1',
  '/docs/guide',
  '/checkout/done',
  '/über',
];
export const EVENT_NAMES = ['page_view', 'click', 'scroll', 'signup', 'download', 'purchase'];

interface Profile {
  browser: string;
  browser_version: string | null;
  os: string;
  os_version: string | null;
  device: string;
  is_bot: boolean;
}

/** What ua-parser-js and isbot make of a few user agents. */
export const PROFILES: readonly Profile[] = [
  {
    browser: 'Firefox',
    browser_version: '132',
    os: 'Windows',
    os_version: '10',
    device: 'desktop',
    is_bot: false,
  },
  {
    browser: 'Chrome',
    browser_version: '131',
    os: 'Mac OS',
    os_version: '10.15.7',
    device: 'desktop',
    is_bot: false,
  },
  {
    browser: 'Mobile Safari',
    browser_version: '18',
    os: 'iOS',
    os_version: '18.1',
    device: 'mobile',
    is_bot: false,
  },
  {
    browser: 'Chrome',
    browser_version: '130',
    os: 'Android',
    os_version: '14',
    device: 'mobile',
    is_bot: false,
  },
  {
    browser: 'Samsung Browser',
    browser_version: '26',
    os: 'Android',
    os_version: '13',
    device: 'tablet',
    is_bot: false,
  },
  {
    browser: 'Unknown',
    browser_version: null,
    os: 'Unknown',
    os_version: null,
    device: 'bot',
    is_bot: true,
  },
];

export const PLACES = [
  { country: 'DE', region: 'Berlin', city: 'Berlin' },
  { country: 'US', region: 'California', city: 'San Francisco' },
  { country: 'IN', region: 'Karnataka', city: 'Bengaluru' },
  { country: 'FR', region: 'Île-de-France', city: 'Paris' },
  { country: 'BR', region: 'São Paulo', city: 'São Paulo' },
  { country: null, region: null, city: null },
] as const;

/** [referrer, referrer_host as ingest derives it]; internal ones are filled in with the page's host. */
export const REFERRERS: ReadonlyArray<readonly [string, string] | 'internal' | null> = [
  null,
  null,
  'internal',
  ['https://www.google.com/search?q=clickstream', 'google.com'],
  ['https://news.ycombinator.com/item?id=1', 'news.ycombinator.com'],
  ['https://t.co/abc', 't.co'],
  ['https://www.youtube.com/watch?v=x#t=1', 'youtube.com'],
  ['https://duckduckgo.com/', 'duckduckgo.com'],
  ['https://example.org/path/', 'example.org'],
  // The other site: internal on alpha.test (same host), a referral on beta.test.
  ['https://alpha.test/pricing?ref=1', 'alpha.test'],
];

export const UTM = {
  source: [null, null, null, 'google', 'newsletter', 'facebook', 'Twitter'],
  medium: [null, null, null, 'cpc', 'email', 'social', 'display', 'affiliate', 'paid'],
  campaign: [null, null, 'spring', 'black-friday'],
  content: [null, null, 'banner-a', 'Ü-text'],
  term: [null, null, 'analytics', 'self hosted'],
};

export const PROPERTIES = {
  plan: ['pro', 'free'],
  amount: [12.5, 3, 0],
  logged_in: [true, false],
  format: ['pdf', 'zip'],
  empty: [''],
  nothing: [null],
} as const;
export const PROPERTY_KEYS = Object.keys(PROPERTIES) as Array<keyof typeof PROPERTIES>;

export const GOAL_POOL: ReadonlyArray<Omit<Goal, 'id' | 'siteId'>> = [
  { name: 'Blog post', pagePath: '/blog/*', eventName: null, property: null },
  { name: 'Docs', pagePath: '/docs/**', eventName: null, property: null },
  { name: 'Pricing', pagePath: '/pricing', eventName: null, property: null },
  { name: 'Top-level page', pagePath: '/*', eventName: null, property: null },
  { name: 'Umlaut', pagePath: '/über', eventName: null, property: null },
  { name: 'Signup', pagePath: null, eventName: 'signup', property: null },
  {
    name: 'Pro signup',
    pagePath: null,
    eventName: 'signup',
    property: { key: 'plan', value: 'pro' },
  },
  {
    name: 'PDF download',
    pagePath: null,
    eventName: 'download',
    property: { key: 'format', value: 'pdf' },
  },
  { name: 'Purchase', pagePath: null, eventName: 'purchase', property: null },
  {
    name: 'Logged-in click',
    pagePath: null,
    eventName: 'click',
    property: { key: 'logged_in', value: 'true' },
  },
  {
    name: 'Cheap purchase',
    pagePath: null,
    eventName: 'purchase',
    property: { key: 'amount', value: '3' },
  },
];
export const GOAL_NAMES = GOAL_POOL.map((g) => g.name);

/** The events sent to the stores, in arrival order (retries included), and each site's goals. */
export interface EventSet {
  anchor: Anchor;
  arrivals: TrackedEvent[];
  goals: Record<string, Goal[]>;
  /** How the harness cuts each partition's records into batches (cut after record i when true). */
  cuts: boolean[];
  /** Which partition commits next: picked among those with batches left. */
  interleave: number[];
  /** Commit this batch (by position in commit order) a second time, as a replay after a crash. */
  replay: number | null;
}

const pick = <T>(pool: readonly T[]) =>
  fc.integer({ min: 0, max: pool.length - 1 }).map((i) => pool[i]!);

const eventSpec = fc.record({
  gap: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 12 * MIN }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 30 * MIN, 30 * MIN + 1, 31 * MIN, 2 * HOUR) },
  ),
  type: fc.oneof(
    { weight: 6, arbitrary: fc.constant('page_view') },
    { weight: 4, arbitrary: pick(EVENT_NAMES) },
  ),
  page: pick(PAGES),
  referrer: pick(REFERRERS),
  utm: fc.record({
    source: pick(UTM.source),
    medium: pick(UTM.medium),
    campaign: pick(UTM.campaign),
    content: pick(UTM.content),
    term: pick(UTM.term),
  }),
  props: fc.option(
    fc
      .subarray(PROPERTY_KEYS, { minLength: 1 })
      .chain((keys) =>
        fc.tuple(
          ...keys.map((k) =>
            pick<string | number | boolean | null>(PROPERTIES[k]).map((v) => [k, v] as const),
          ),
        ),
      ),
    { freq: 3 },
  ),
  depth: pick([10, 25, 50, 75, 90, 100]),
  /** Rarely another device or place than the visitor's: a visit's attributes are its first event's. */
  otherProfile: fc.option(pick(PROFILES), { freq: 8 }),
  otherPlace: fc.option(pick(PLACES), { freq: 8 }),
  hostname: fc.constantFrom('site', 'site', 'site', 'www', 'shop', null),
  idKey: fc.integer({ min: 0, max: 0xffff }),
  arrival: fc.double({ min: 0, max: 1, noNaN: true }),
});

const visitorSpecOf = (ids: number) =>
  fc.record({
    site: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constant(1) },
    ),
    id: fc.noBias(fc.integer({ min: 1, max: ids })),
    profile: fc.oneof(
      { weight: 5, arbitrary: pick(PROFILES.filter((p) => !p.is_bot)) },
      { weight: 1, arbitrary: pick(PROFILES) },
    ),
    place: pick(PLACES),
    /** Runs of events, each starting somewhere within about 30 hours of the anchor. */
    runs: fc.array(
      fc.record({
        start: fc.integer({ min: -30 * HOUR, max: 30 * HOUR }),
        events: fc.array(eventSpec, { minLength: 1, maxLength: 6 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });

type EventSpec = typeof eventSpec extends fc.Arbitrary<infer T> ? T : never;
type VisitorSpec = ReturnType<typeof visitorSpecOf> extends fc.Arbitrary<infer T> ? T : never;

function hostOf(site: string, kind: EventSpec['hostname']): string | null {
  return kind === null ? null : kind === 'site' ? site : `${kind}.${site}`;
}

function toEvent(
  visitor: VisitorSpec,
  spec: EventSpec,
  timestamp: number,
  index: number,
): TrackedEvent {
  const site = SITES[visitor.site];
  const hostname = hostOf(site, spec.hostname);
  const profile = spec.otherProfile ?? visitor.profile;
  const place = spec.otherPlace ?? visitor.place;
  // Ingest keeps a referrer's host without `www.`.
  const referrer =
    spec.referrer === 'internal'
      ? ([`https://${hostname ?? site}/blog`, (hostname ?? site).replace(/^www\./, '')] as const)
      : spec.referrer;
  return {
    // A random-looking prefix: ties of the same millisecond are ordered by it.
    event_id: `${spec.idKey.toString(16).padStart(4, '0')}-evt-${String(index).padStart(4, '0')}`,
    site_id: site,
    visitor_id: `visitor-${visitor.id}`,
    user_id: null,
    event_type: spec.type,
    page: spec.page,
    hostname,
    timestamp,
    received_at: 0,
    session_id: null,
    referrer: referrer?.[0] ?? null,
    referrer_host: referrer?.[1] ?? null,
    title: null,
    properties: spec.props === null ? null : Object.fromEntries(spec.props),
    element:
      spec.type === 'click'
        ? { tag: 'a', id: null, classes: ['cta'], text: 'Go', href: '/pricing', outbound: false }
        : null,
    scroll_depth: spec.type === 'scroll' ? spec.depth : null,
    screen_width: null,
    screen_height: null,
    utm_source: spec.utm.source,
    utm_medium: spec.utm.medium,
    utm_campaign: spec.utm.campaign,
    utm_content: spec.utm.content,
    utm_term: spec.utm.term,
    browser: profile.browser,
    browser_version: profile.browser_version,
    os: profile.os,
    os_version: profile.os_version,
    device: profile.device,
    is_bot: profile.is_bot,
    country: place.country,
    region: place.region,
    city: place.city,
    ip_prefix: '203.0.113.0',
  };
}

const goalsArb = fc
  .tuple(...SITES.map(() => fc.subarray([...GOAL_POOL.keys()])))
  .map((perSite) =>
    Object.fromEntries(
      SITES.map((site, s) => [
        site,
        perSite[s]!.map((i): Goal => ({ id: `${site}-goal-${i}`, siteId: site, ...GOAL_POOL[i]! })),
      ]),
    ),
  );

export interface EventSetSize {
  minVisitors: number;
  maxVisitors: number;
  /** Visitor ids a site draws from (two draws of one id are one visitor on several devices). */
  visitorIds: number;
}

/** A handful of visitors by default; the sampling case asks for hundreds. */
export function eventSetArb(
  size: EventSetSize = { minVisitors: 2, maxVisitors: 8, visitorIds: 7 },
): fc.Arbitrary<EventSet> {
  return fc
    .record({
      anchor: fc.constantFrom(...ANCHORS),
      visitors: fc.array(visitorSpecOf(size.visitorIds), {
        minLength: size.minVisitors,
        maxLength: size.maxVisitors,
      }),
      retries: fc.array(
        fc.record({ which: fc.nat(), after: fc.double({ min: 0, max: 1, noNaN: true }) }),
        { maxLength: 4 },
      ),
      goals: goalsArb,
      cuts: fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }),
      interleave: fc.array(fc.nat(3), { minLength: 200, maxLength: 200 }),
      replay: fc.option(fc.nat(20), { freq: 3 }),
    })
    .map(({ anchor, visitors, retries, goals, cuts, interleave, replay }) => {
      const timed: Array<{ event: TrackedEvent; arrival: number }> = [];
      for (const visitor of visitors) {
        for (const run of visitor.runs) {
          let t = anchor.at + run.start;
          for (const spec of run.events) {
            t += spec.gap;
            timed.push({ event: toEvent(visitor, spec, t, timed.length), arrival: spec.arrival });
          }
        }
      }
      // A retry resends an event later: the same event_id and content, arriving after the first copy.
      for (const retry of retries) {
        const original = timed[retry.which % timed.length]!;
        timed.push({
          event: original.event,
          arrival: original.arrival + (1 - original.arrival) * retry.after + 1e-9,
        });
      }
      timed.sort((a, b) => a.arrival - b.arrival);
      const arrivals = timed.map(({ event }, i) => ({
        ...event,
        received_at: anchor.now + 3 * HOUR + i * 1000,
      }));
      return { anchor, arrivals, goals, cuts, interleave, replay };
    });
}
