import { readLedger, unknownPath } from '../loadgen/ledger.js';
import type { EventFacts } from '../loadgen/traffic.js';

/** A count the store must show: at least `min` (acknowledged), at most `max` (plus unknown fates). */
export interface Bounds {
  min: number;
  max: number;
}

export interface PageCounts {
  site: string;
  page: string;
  /** Non-bot page views: what /analytics/page-views reports by default. */
  views: Bounds;
  /** All events on the page, bots included. */
  events: Bounds;
}

export interface ExpectedCounts {
  acknowledged: number;
  unknown: number;
  pages: Map<string, PageCounts>;
  /** site → event type → events, bots included. */
  types: Map<string, Map<string, Bounds>>;
  /** Sampled users → their event ids: acknowledged (must be stored once) and unknown (at most once). */
  users: Map<string, { site: string; acknowledged: Set<string>; unknown: Set<string> }>;
  minTs: number;
  maxTs: number;
}

const bump = (bounds: Bounds, certain: boolean): void => {
  bounds.max++;
  if (certain) bounds.min++;
};

/**
 * Reads the ledger and its `.unknown` sidecar into the counts the API must answer. Duplicate
 * ledger lines count once (the server dedupes by event_id too). Two passes: the second collects
 * every event of the users sampled (reservoir sampling) in the first.
 */
export async function readExpectedCounts(
  ledger: string,
  sampleUsers: number,
  random: () => number,
): Promise<ExpectedCounts> {
  const expected: ExpectedCounts = {
    acknowledged: 0,
    unknown: 0,
    pages: new Map(),
    types: new Map(),
    users: new Map(),
    minTs: Infinity,
    maxTs: -Infinity,
  };
  const seen = new Set<string>();
  const reservoir: EventFacts[] = [];
  const sources = [
    { path: ledger, certain: true },
    { path: unknownPath(ledger), certain: false },
  ];
  for (const { path, certain } of sources) {
    for await (const facts of readLedger(path)) {
      if (seen.has(facts.id)) continue;
      seen.add(facts.id);
      count(expected, facts, certain);
      const n = expected.acknowledged + expected.unknown;
      if (reservoir.length < sampleUsers) reservoir.push(facts);
      else if (sampleUsers > 0 && random() * n < sampleUsers)
        reservoir[Math.floor(random() * sampleUsers)] = facts;
    }
  }
  for (const facts of reservoir)
    expected.users.set(facts.user, {
      site: facts.site,
      acknowledged: new Set(),
      unknown: new Set(),
    });
  for (const { path, certain } of sources) {
    for await (const facts of readLedger(path)) {
      const user = expected.users.get(facts.user);
      if (user) (certain ? user.acknowledged : user.unknown).add(facts.id);
    }
  }
  return expected;
}

function count(expected: ExpectedCounts, facts: EventFacts, certain: boolean): void {
  if (certain) expected.acknowledged++;
  else expected.unknown++;
  expected.minTs = Math.min(expected.minTs, facts.ts);
  expected.maxTs = Math.max(expected.maxTs, facts.ts);
  const pageKey = `${facts.site}\u0000${facts.page}`;
  let page = expected.pages.get(pageKey);
  if (!page) {
    page = {
      site: facts.site,
      page: facts.page,
      views: { min: 0, max: 0 },
      events: { min: 0, max: 0 },
    };
    expected.pages.set(pageKey, page);
  }
  bump(page.events, certain);
  if (facts.type === 'page_view' && !facts.bot) bump(page.views, certain);
  let types = expected.types.get(facts.site);
  if (!types) expected.types.set(facts.site, (types = new Map<string, Bounds>()));
  let type = types.get(facts.type);
  if (!type) types.set(facts.type, (type = { min: 0, max: 0 }));
  bump(type, certain);
}
