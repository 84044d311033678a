import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import { createRandom, createZipf, geometric, type Random } from '../../src/cli/loadgen/random.js';
import { pagePath } from '../../src/cli/loadgen/traffic.js';

/**
 * A month of a busy site's traffic, in the order it arrives: visits start through the day (more
 * by day than by night), each of ~5 events a few seconds to a minute apart, by visitors who come
 * back now and then; 1,000 pages by a Zipf law; referrers, UTM campaigns, browsers with versions,
 * countries with regions and cities, custom events with properties, scroll milestones, 5 % bots.
 * Deterministic for a seed, so a store filled once can be filled again the same way.
 */
export const BENCH_SITE = 'bench';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const AGENTS = [
  {
    browser: 'Chrome',
    browser_version: '142',
    os: 'Windows',
    os_version: '10',
    device: 'desktop',
    weight: 30,
  },
  {
    browser: 'Mobile Safari',
    browser_version: '18',
    os: 'iOS',
    os_version: '18.6',
    device: 'mobile',
    weight: 22,
  },
  {
    browser: 'Chrome',
    browser_version: '142',
    os: 'Android',
    os_version: '15',
    device: 'mobile',
    weight: 18,
  },
  {
    browser: 'Safari',
    browser_version: '18',
    os: 'Mac OS',
    os_version: '10.15.7',
    device: 'desktop',
    weight: 10,
  },
  {
    browser: 'Firefox',
    browser_version: '145',
    os: 'Linux',
    os_version: null,
    device: 'desktop',
    weight: 6,
  },
  {
    browser: 'Edge',
    browser_version: '142',
    os: 'Windows',
    os_version: '10',
    device: 'desktop',
    weight: 8,
  },
  {
    browser: 'Samsung Browser',
    browser_version: '28',
    os: 'Android',
    os_version: '14',
    device: 'mobile',
    weight: 3,
  },
  {
    browser: 'Mobile Safari',
    browser_version: '18',
    os: 'iOS',
    os_version: '18.6',
    device: 'tablet',
    weight: 3,
  },
];
const PLACES = [
  ['US', 'California', 'San Francisco', 20],
  ['US', 'New York', 'New York', 12],
  ['DE', 'Berlin', 'Berlin', 9],
  ['DE', 'Bavaria', 'Munich', 5],
  ['GB', 'England', 'London', 9],
  ['FR', 'Île-de-France', 'Paris', 7],
  ['IN', 'Karnataka', 'Bengaluru', 8],
  ['BR', 'São Paulo', 'São Paulo', 5],
  ['JP', 'Tokyo', 'Tokyo', 5],
  ['CA', 'Ontario', 'Toronto', 4],
  ['NL', 'North Holland', 'Amsterdam', 4],
  ['ES', 'Madrid', 'Madrid', 3],
  ['PL', 'Mazovia', 'Warsaw', 3],
  ['AU', 'New South Wales', 'Sydney', 3],
  [null, null, null, 3],
] as const;
const REFERRERS = [
  [null, 40],
  ['https://www.google.com/', 25],
  ['https://news.ycombinator.com/item?id=1', 6],
  ['https://t.co/x1', 5],
  ['https://www.reddit.com/r/web/', 5],
  ['https://www.bing.com/search?q=a', 4],
  ['https://duckduckgo.com/', 4],
  ['https://github.com/some/repo', 4],
  ['https://www.linkedin.com/feed/', 3],
  ['https://blog.example.org/post', 4],
] as const;
const CAMPAIGNS = [
  ['newsletter', 'email', 'december'],
  ['google', 'cpc', 'brand'],
  ['twitter', 'social', 'launch'],
] as const;
const BOTS = {
  browser: 'Googlebot',
  browser_version: null,
  os: 'Unknown',
  os_version: null,
  device: 'bot',
};

function weighted<T extends readonly unknown[]>(items: readonly T[], random: Random): T {
  const total = items.reduce((n, item) => n + (item.at(-1) as number), 0);
  let r = random.next() * total;
  for (const item of items) if ((r -= item.at(-1) as number) < 0) return item;
  return items[0]!;
}

function weightedAgent(random: Random): (typeof AGENTS)[number] {
  const total = AGENTS.reduce((n, a) => n + a.weight, 0);
  let r = random.next() * total;
  for (const a of AGENTS) if ((r -= a.weight) < 0) return a;
  return AGENTS[0]!;
}

interface Pending {
  ts: number;
  event: TrackedEvent;
}

/** Events over the 30 days before `end`, `total` of them, in arrival (time) order, one hour at a time. */
export function* syntheticTraffic(
  end: number,
  total: number,
  seed = 20_261_201,
): Generator<TrackedEvent> {
  const random = createRandom(seed);
  const zipf = createZipf(1_000, 1.07, random);
  const start = end - 30 * DAY;
  const visits = Math.ceil(total / 5);
  const visitorPool = Math.max(100, Math.floor(visits / 1.6));
  // Visits per hour follow the day: twice as many at 15:00 UTC as at 03:00.
  const weights = Array.from(
    { length: 30 * 24 },
    (_, h) => 1 + 0.5 * Math.sin((((h % 24) - 9) / 24) * 2 * Math.PI),
  );
  const weightSum = weights.reduce((a, b) => a + b, 0);
  let carried: Pending[] = [];
  let emitted = 0;
  let sequence = 0;
  for (let hour = 0; hour < weights.length && emitted < total; hour++) {
    const hourStart = start + hour * HOUR;
    const pending: Pending[] = carried;
    const count = Math.round((visits * weights[hour]!) / weightSum);
    for (let v = 0; v < count; v++) {
      let time = hourStart + Math.floor(random.next() * HOUR);
      const visitor = `v${random.int(0, visitorPool)}`;
      const bot = random.chance(0.05);
      const agent = bot ? BOTS : weightedAgent(random);
      const [country, region, city] = weighted(PLACES, random);
      const [referrer] = weighted(REFERRERS, random);
      const campaign = random.chance(0.08) ? random.pick(CAMPAIGNS) : null;
      const length = geometric(5, random);
      let page = pagePath(zipf());
      for (let i = 0; i < length; i++) {
        const roll = random.next();
        const type =
          i === 0 || roll < 0.55
            ? 'page_view'
            : roll < 0.75
              ? 'scroll'
              : roll < 0.95
                ? 'click'
                : 'signup';
        if (type === 'page_view' && i > 0) page = pagePath(zipf());
        pending.push({
          ts: time,
          event: {
            event_id: `b${(sequence++).toString(36).padStart(9, '0')}`,
            site_id: BENCH_SITE,
            visitor_id: visitor,
            user_id: null,
            event_type: type,
            page,
            hostname: 'bench.example',
            timestamp: time,
            received_at: time,
            session_id: null,
            referrer: i === 0 ? referrer : 'https://bench.example/',
            referrer_host:
              i === 0 && referrer
                ? new URL(referrer).hostname.replace(/^www\./, '')
                : 'bench.example',
            title: null,
            properties: type === 'signup' ? { plan: random.pick(['free', 'pro', 'team']) } : null,
            element: null,
            scroll_depth: type === 'scroll' ? random.pick([25, 50, 75, 100]) : null,
            screen_width: 1920,
            screen_height: 1080,
            utm_source: i === 0 && campaign ? campaign[0] : null,
            utm_medium: i === 0 && campaign ? campaign[1] : null,
            utm_campaign: i === 0 && campaign ? campaign[2] : null,
            utm_content: null,
            utm_term: null,
            browser: agent.browser,
            browser_version: agent.browser_version,
            os: agent.os,
            os_version: agent.os_version,
            device: agent.device,
            country,
            region,
            city,
            ip_prefix: '198.51.100.0',
            is_bot: bot,
          },
        });
        time += random.int(2_000, 60_000);
      }
    }
    pending.sort((a, b) => a.ts - b.ts);
    const next = hourStart + HOUR;
    carried = [];
    for (const p of pending) {
      if (p.ts >= next) carried.push(p);
      else if (emitted < total) {
        emitted++;
        yield p.event;
      }
    }
  }
  for (const p of carried) if (emitted++ < total) yield p.event;
}
