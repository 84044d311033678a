import { corruptEvent, type EventBody } from './bad-events.js';
import { createRandom, createZipf, geometric, type Random } from './random.js';
import { BOT_AGENTS, BROWSER_AGENTS } from './user-agents.js';

/** What the ledger records about an acknowledged event: enough to recount it from the API. */
export interface EventFacts {
  id: string;
  site: string;
  /** The page as the server stores it: the path, without query string. */
  page: string;
  type: string;
  bot: boolean;
  user: string;
  ts: number;
}

export interface GeneratedEvent {
  body: EventBody;
  facts: EventFacts;
  /** null for a good event; the fault's name for one the server must reject. */
  fault: string | null;
}

export interface TrafficOptions {
  seed: number;
  sites: number;
  sitePrefix: string;
  pages: number;
  visitors: number;
  bots: number;
  bad: number;
  windowMs: number;
  /** The end of the simulated timeline; no event is stamped later. */
  now: number;
}

interface Visitor {
  user: string;
  site: string;
  agent: string;
  bot: boolean;
  ip: string;
  clock: number;
  sessionsLeft: number;
  viewsLeft: number;
  session: string;
  page: string | null;
  pending: Array<(body: EventBody) => void>;
}

const SESSION_GAP_MIN_MS = 31 * 60_000; // more than the 30 minutes of inactivity that end a visit
const SESSION_GAP_MAX_MS = 180 * 60_000;
const FIXED_PAGES = ['/', '/pricing', '/blog', '/docs', '/about', '/signup', '/contact'];
const SECTIONS = ['blog', 'docs', 'products'];
const REFERRERS = [
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://t.co/x1',
  'https://www.bing.com/',
  '',
];
const CUSTOM_EVENTS = ['signup', 'add_to_cart', 'purchase', 'video_play'];
const SCREENS = [
  { width: 1920, height: 1080 },
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
  { width: 820, height: 1180 },
];

/** Rank k of the Zipf law → a page path; rank 1 (the most viewed) is the home page. */
export function pagePath(rank: number): string {
  return FIXED_PAGES[rank - 1] ?? `/${SECTIONS[rank % SECTIONS.length]!}/item-${rank}`;
}

/**
 * Realistic clickstream: a pool of visitors, each walking through sessions of several page views
 * (pages drawn by a Zipf law) with the clicks, scroll milestones and custom events a reader
 * makes, and more than 30 minutes between sessions. Visitors run on simulated clocks inside the
 * window ending at `now`; a visitor whose clock passes `now` leaves and a new one arrives.
 */
export function createTraffic(options: TrafficOptions): { next(): GeneratedEvent } {
  return new TrafficModel(options);
}

class TrafficModel {
  private readonly random: Random;
  private readonly zipfPage: () => number;
  private readonly runTag: string;
  private readonly pool: Visitor[];
  private sequence = 0;
  private visitorSequence = 0;

  constructor(private readonly options: TrafficOptions) {
    this.random = createRandom(options.seed);
    this.zipfPage = createZipf(options.pages, 1.07, this.random);
    this.runTag = `lg${options.seed.toString(36)}`;
    this.pool = Array.from({ length: options.visitors }, () => this.newVisitor());
  }

  next(): GeneratedEvent {
    const slot = this.random.int(0, this.pool.length - 1);
    let body = this.emit(this.pool[slot]!);
    while (body === null) {
      this.pool[slot] = this.newVisitor();
      body = this.emit(this.pool[slot]);
    }
    const visitor = this.pool[slot]!;
    body.event_id = `${this.runTag}-${(this.sequence++).toString(36).padStart(8, '0')}`;
    const facts: EventFacts = {
      id: body.event_id as string,
      site: visitor.site,
      page: visitor.page ?? '/',
      type: body.event_type as string,
      bot: visitor.bot,
      user: visitor.user,
      ts: visitor.clock,
    };
    const fault = this.random.chance(this.options.bad)
      ? corruptEvent(body, this.options.now, this.random)
      : null;
    return { body, facts, fault };
  }

  private newVisitor(): Visitor {
    const { random, options } = this;
    const bot = random.chance(options.bots);
    return {
      user: `${this.runTag}-u${(this.visitorSequence++).toString(36)}`,
      site: `${options.sitePrefix}${random.int(1, options.sites)}`,
      agent: random.pick(bot ? BOT_AGENTS : BROWSER_AGENTS),
      bot,
      ip: visitorAddress(random),
      clock: options.now - Math.floor(random.next() * options.windowMs),
      sessionsLeft: bot ? 1 : random.int(1, 4),
      viewsLeft: bot ? random.int(5, 30) : geometric(4, random),
      session: `s${random.int(0, 2 ** 31).toString(36)}`,
      page: null,
      pending: [],
    };
  }

  /** The visitor's next event, or null when the visitor is done (out of sessions or past `now`). */
  private emit(visitor: Visitor): EventBody | null {
    const { random, options } = this;
    const follow = visitor.pending.shift();
    if (follow) {
      visitor.clock += random.int(2_000, 40_000);
      return visitor.clock > options.now ? null : this.base(visitor, follow);
    }
    if (visitor.viewsLeft === 0) {
      if (--visitor.sessionsLeft <= 0) return null;
      visitor.clock += random.int(SESSION_GAP_MIN_MS, SESSION_GAP_MAX_MS);
      visitor.viewsLeft = geometric(4, random);
      visitor.session = `s${random.int(0, 2 ** 31).toString(36)}`;
      visitor.page = null;
    } else if (visitor.page !== null) {
      visitor.clock += visitor.bot ? random.int(500, 5_000) : random.int(5_000, 90_000);
    }
    if (visitor.clock > options.now) return null;
    visitor.viewsLeft--;
    return this.pageView(visitor, this.zipfPage());
  }

  private base(visitor: Visitor, fill: (body: EventBody) => void): EventBody {
    const body: EventBody = {
      site_id: visitor.site,
      user_id: visitor.user,
      session_id: visitor.session,
      page_url: `https://${visitor.site}.example${visitor.page ?? '/'}`,
      timestamp: visitor.clock,
      user_agent: visitor.agent,
      ip_address: visitor.ip,
    };
    fill(body);
    return body;
  }

  private pageView(visitor: Visitor, rank: number): EventBody {
    const { random } = this;
    const previous = visitor.page;
    const page = pagePath(rank);
    visitor.page = page;
    const landing = previous === null;
    const campaign =
      landing && !visitor.bot && random.chance(0.1)
        ? '?utm_source=newsletter&utm_medium=email&utm_campaign=launch'
        : '';
    if (!visitor.bot) visitor.pending = followUps(random);
    const referrer = landing
      ? random.pick(REFERRERS)
      : `https://${visitor.site}.example${previous}`;
    const screen = visitor.bot ? null : random.pick(SCREENS);
    return this.base(visitor, (body) => {
      body.event_type = 'page_view';
      body.page_url = `https://${visitor.site}.example${page}${campaign}`;
      body.title = `Page ${page}`;
      if (referrer) body.referrer = referrer;
      if (screen) body.screen = screen;
    });
  }
}

/**
 * A visitor's address, spread over the public IPv4 space and, for a quarter of visitors, over
 * allocated IPv6 blocks, so ingest's geolocation does the work it does in production. Nothing is
 * ever sent to these addresses: they are values of the event's ip_address field.
 */
function visitorAddress(random: Random): string {
  const group = () => random.int(0, 0xffff).toString(16);
  if (random.chance(0.25))
    return `2${random.pick(['400', '600', '620', 'a00', 'a01', 'a02'])}:${group()}:${group()}::${random.int(1, 0xffff).toString(16)}`;
  return `${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
}

/** What a human does on a page after viewing it: scroll milestones, clicks, now and then a custom event. */
function followUps(random: Random): Array<(body: EventBody) => void> {
  const actions: Array<(body: EventBody) => void> = [];
  for (const depth of [25, 50, 75, 100]) {
    if (!random.chance(0.6)) break;
    actions.push((body) => Object.assign(body, { event_type: 'scroll', scroll_depth: depth }));
  }
  for (let clicks = random.int(0, 2); clicks > 0; clicks--) {
    const outbound = random.chance(0.2);
    actions.push((body) =>
      Object.assign(body, {
        event_type: 'click',
        element: outbound
          ? {
              tag: 'a',
              classes: 'link external',
              text: 'Read more',
              href: 'https://partner.example.org/offer',
            }
          : { tag: 'button', id: 'cta', classes: ['btn', 'btn-primary'], text: 'Get started' },
      }),
    );
  }
  if (random.chance(0.05)) {
    const properties = { plan: random.pick(['free', 'pro']), value: random.int(1, 500) };
    const name = random.pick(CUSTOM_EVENTS);
    actions.push((body) => Object.assign(body, { event_type: name, properties }));
  }
  return actions;
}
