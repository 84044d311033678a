import { createClient, type Client } from 'graphql-ws';
import { apiKey, fetchWithKey } from './auth.js';

/** What the live subscriptions deliver (see the Subscription type of the GraphQL schema). */
export interface LiveTotals {
  eventsPerSecond: number;
  events: number;
  pageviews: number;
  activeVisitors: number;
  pages: Array<{ page: string; views: number }>;
  perSecond: Array<{ time: string; events: number; pageviews: number }>;
}

export interface LiveEvent {
  eventId: string;
  eventType: string;
  page: string;
  receivedAt: string;
  visitorId: string;
  title: string | null;
  referrer: string | null;
  scrollDepth: number | null;
  properties: string | null;
  browser: string;
  os: string;
  device: string;
  element: {
    tag: string | null;
    text: string | null;
    href: string | null;
    outbound: boolean;
  } | null;
}

export interface LiveScope {
  site: string;
  includeBots: boolean;
  eventType: string;
  /** Only this page's events (the dashboard's page filter); '' for all. */
  page?: string;
}

const EVENT_FIELDS =
  'eventId eventType page receivedAt visitorId title referrer scrollDepth properties browser os device element { tag text href outbound }';
const TOTALS = `subscription($site: String, $bots: Boolean) {
  liveTotals(siteId: $site, includeBots: $bots, pageLimit: 6, seconds: 120) {
    eventsPerSecond events pageviews activeVisitors pages { page views } perSecond { time events pageviews }
  }
}`;
const FEED = `subscription($filter: LiveFilter) { liveEvents(filter: $filter) { ${EVENT_FIELDS} } }`;
const RECENT = `query($filter: LiveFilter) { recentEvents(filter: $filter, limit: 50) { ${EVENT_FIELDS} } }`;

export interface LiveHandlers {
  totals(totals: LiveTotals): void;
  event(event: LiveEvent): void;
  status(connected: boolean): void;
}

/**
 * One graphql-ws connection to /graphql for both subscriptions; it reconnects by itself (with
 * back-off) when the server restarts, and `follow` swaps the subscriptions when a filter changes.
 */
export function createLive(handlers: LiveHandlers) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const client: Client = createClient({
    url,
    lazy: false,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    keepAlive: 15_000,
    // Browsers cannot set headers on a WebSocket: the key goes in connectionInit.
    connectionParams: () => {
      const key = apiKey();
      return key ? { authorization: `Bearer ${key}` } : {};
    },
    on: { connected: () => handlers.status(true), closed: () => handlers.status(false) },
  });
  let stop: Array<() => void> = [];
  const sink = <T>(next: (data: T) => void) => ({
    next: (result: { data?: T | null }) => {
      if (result.data) next(result.data);
    },
    error: () => handlers.status(false),
    complete: () => undefined,
  });

  return {
    follow(scope: LiveScope): void {
      for (const unsubscribe of stop) unsubscribe();
      const filter = filterOf(scope);
      stop = [
        client.subscribe<{ liveTotals: LiveTotals }>(
          { query: TOTALS, variables: { site: scope.site, bots: scope.includeBots } },
          sink((d) => handlers.totals(d.liveTotals)),
        ),
        client.subscribe<{ liveEvents: LiveEvent }>(
          { query: FEED, variables: { filter } },
          sink((d) => handlers.event(d.liveEvents)),
        ),
      ];
    },
    /** The newest events already seen, newest first, for the feed's first screen. */
    async recent(scope: LiveScope): Promise<LiveEvent[]> {
      const filter = filterOf(scope);
      const response = await fetchWithKey('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: RECENT, variables: { filter } }),
      });
      const body = (await response.json()) as { data?: { recentEvents: LiveEvent[] } };
      return body.data?.recentEvents ?? [];
    },
  };
}

function filterOf(scope: LiveScope) {
  return {
    siteId: scope.site,
    includeBots: scope.includeBots,
    eventTypes: scope.eventType ? [scope.eventType] : null,
    ...(scope.page ? { page: scope.page } : {}),
  };
}
