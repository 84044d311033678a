import type { Bounds, ExpectedCounts } from './expected-counts.js';
import type { QueryClient } from './query-client.js';

export type CheckName = 'page_views' | 'page_events' | 'event_types' | 'user_events';

export interface Mismatch {
  check: CheckName;
  what: string;
  expected: string;
  actual: string;
}

/** One question to the API and the answer the ledger predicts; resolves to what disagrees. */
export interface Probe {
  checks: readonly CheckName[];
  run(): Promise<Mismatch[]>;
}

export interface Range {
  from: number;
  to: number;
}

const within = (n: number, b: Bounds): boolean => n >= b.min && n <= b.max;
const show = (b: Bounds): string => (b.min === b.max ? String(b.min) : `${b.min}..${b.max}`);

/** The probes a ledger implies: two per page, one per site, one per sampled user. */
export function createProbes(expected: ExpectedCounts, client: QueryClient, range: Range): Probe[] {
  const probes: Probe[] = [];
  for (const page of expected.pages.values())
    probes.push(pageProbe(page.site, page.page, page.views, page.events, client, range));
  for (const [site, types] of expected.types)
    probes.push(eventTypesProbe(site, types, client, range));
  for (const [user, ids] of expected.users) probes.push(userProbe(user, ids, client));
  return probes;
}

function pageProbe(
  site: string,
  page: string,
  views: Bounds,
  events: Bounds,
  client: QueryClient,
  range: Range,
): Probe {
  const path = (bots: boolean) =>
    `/analytics/page-views?page=${encodeURIComponent(page)}&site_id=${encodeURIComponent(site)}&from=${range.from}&to=${range.to}&include_bots=${bots}`;
  return {
    checks: ['page_views', 'page_events'],
    async run() {
      const [human, all] = await Promise.all([client.get(path(false)), client.get(path(true))]);
      const problems: Mismatch[] = [];
      const viewed = Number((human as { page_views?: unknown }).page_views);
      const counted = Number((all as { events?: unknown }).events);
      if (!within(viewed, views))
        problems.push({
          check: 'page_views',
          what: `${site} ${page} (bots excluded)`,
          expected: show(views),
          actual: String(viewed),
        });
      if (!within(counted, events))
        problems.push({
          check: 'page_events',
          what: `${site} ${page} (bots included)`,
          expected: show(events),
          actual: String(counted),
        });
      return problems;
    },
  };
}

function eventTypesProbe(
  site: string,
  types: Map<string, Bounds>,
  client: QueryClient,
  range: Range,
): Probe {
  return {
    checks: ['event_types'],
    async run() {
      const body = await client.get(
        `/analytics/events?site_id=${encodeURIComponent(site)}&from=${range.from}&to=${range.to}&include_bots=true&limit=1000`,
      );
      const rows = ((body as { event_types?: unknown }).event_types ?? []) as Array<{
        event_type: string;
        events: number;
      }>;
      const actual = new Map(rows.map((r) => [r.event_type, r.events]));
      const problems: Mismatch[] = [];
      for (const [type, bounds] of types) {
        const n = actual.get(type) ?? 0;
        if (!within(n, bounds))
          problems.push({
            check: 'event_types',
            what: `${site} ${type}`,
            expected: show(bounds),
            actual: String(n),
          });
      }
      for (const [type, n] of actual) {
        if (!types.has(type))
          problems.push({
            check: 'event_types',
            what: `${site} ${type}`,
            expected: '0',
            actual: String(n),
          });
      }
      return problems;
    },
  };
}

/** Every acknowledged event of the user is stored exactly once, and nothing else is. */
function userProbe(
  user: string,
  ids: ExpectedCounts['users'] extends Map<string, infer V> ? V : never,
  client: QueryClient,
): Probe {
  return {
    checks: ['user_events'],
    async run() {
      const stored = new Map<string, number>();
      let cursor: string | null = null;
      do {
        const query: string = `site_id=${encodeURIComponent(ids.site)}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = (await client.get(
          `/analytics/users/${encodeURIComponent(user)}/events?${query}`,
        )) as { events?: Array<{ event_id: string }>; next_cursor?: string | null };
        for (const event of page.events ?? [])
          stored.set(event.event_id, (stored.get(event.event_id) ?? 0) + 1);
        cursor = page.next_cursor ?? null;
      } while (cursor !== null);
      const problems: Mismatch[] = [];
      const what = (id: string) => `user ${user}: event ${id}`;
      for (const id of ids.acknowledged) {
        const n = stored.get(id) ?? 0;
        if (n !== 1)
          problems.push({
            check: 'user_events',
            what: what(id),
            expected: 'stored once',
            actual: n === 0 ? 'missing' : `stored ${n} times`,
          });
      }
      for (const [id, n] of stored) {
        if (ids.acknowledged.has(id)) continue;
        if (!ids.unknown.has(id))
          problems.push({
            check: 'user_events',
            what: what(id),
            expected: 'not in the ledger, so not stored',
            actual: 'stored',
          });
        else if (n > 1)
          problems.push({
            check: 'user_events',
            what: what(id),
            expected: 'at most once',
            actual: `stored ${n} times`,
          });
      }
      return problems;
    },
  };
}
