import { isPageView, type TrackedEvent } from '../../domain/tracked-event.js';
import {
  createFeedFanout,
  createTotalsTicker,
  matchesFilter,
  type FeedFilter,
  type TotalsQuery,
} from './live-subscribers.js';
import { LiveWindow, type LiveSnapshot } from './live-window.js';

export interface LiveHubLimits {
  /** Sites with live state; the least recently active one is forgotten past it. */
  maxSites: number;
  maxVisitorsPerSite: number;
  maxPagesPerSecond: number;
  /** Recent events kept per site for a feed's first screen. */
  recentPerSite: number;
  /** Feed events per second per subscription; past it events are skipped (totals still count them). */
  feedRatePerSecond: number;
  /** Values a slow subscriber may have queued before the oldest are dropped. */
  queueCapacity: number;
  totalsIntervalMs: number;
  /** Recent event ids remembered to skip a resent event (client retry) in the live view. */
  recentIds: number;
}

export const DEFAULT_LIVE_LIMITS: LiveHubLimits = {
  maxSites: 100,
  maxVisitorsPerSite: 50_000,
  maxPagesPerSecond: 100,
  recentPerSite: 100,
  feedRatePerSecond: 20,
  queueCapacity: 100,
  totalsIntervalMs: 1000,
  recentIds: 20_000,
};

interface SiteState {
  humans: LiveWindow;
  all: LiveWindow;
  recent: TrackedEvent[];
}

export interface LiveHub {
  /** Every event this query instance reads from the log, in log order per partition. */
  publish(events: readonly TrackedEvent[]): void;
  totals(query: TotalsQuery): LiveSnapshot;
  recent(filter: FeedFilter, limit: number): TrackedEvent[];
  subscribeEvents(filter: FeedFilter): AsyncIterableIterator<TrackedEvent>;
  subscribeTotals(query: TotalsQuery): AsyncIterableIterator<LiveSnapshot>;
  /** Sites seen live, most recently active last. */
  sites(): string[];
  /** Ends every subscription (shutdown). */
  close(): void;
}

/**
 * In-memory live state of one query instance, fed from the event log by its own consumer group
 * (live-feed.ts), so every query instance sees every event. All state is bounded by `limits`.
 */
export function createLiveHub(
  limits: LiveHubLimits = DEFAULT_LIVE_LIMITS,
  clock: () => number = Date.now,
): LiveHub {
  const windowLimits = {
    maxVisitors: limits.maxVisitorsPerSite,
    maxPagesPerSecond: limits.maxPagesPerSecond,
  };
  const sites = new Map<string, SiteState>();
  const empty = new LiveWindow(windowLimits);
  // The store skips a resent event by its event_id; the live view does the same over a recent horizon.
  const seen = new Set<string>();
  const firstTime = (eventId: string): boolean => {
    if (seen.has(eventId)) return false;
    seen.add(eventId);
    if (seen.size > limits.recentIds) seen.delete(seen.values().next().value!);
    return true;
  };

  const siteState = (siteId: string): SiteState => {
    let state = sites.get(siteId);
    if (state) sites.delete(siteId);
    else
      state = {
        humans: new LiveWindow(windowLimits),
        all: new LiveWindow(windowLimits),
        recent: [],
      };
    sites.set(siteId, state);
    if (sites.size > limits.maxSites) sites.delete(sites.keys().next().value!);
    return state;
  };

  const totals = (query: TotalsQuery): LiveSnapshot => {
    const state = sites.get(query.siteId);
    const window = state ? (query.includeBots ? state.all : state.humans) : empty;
    return window.snapshot(clock(), { pageLimit: query.pageLimit, seconds: query.seconds });
  };

  const feed = createFeedFanout(
    { ratePerSecond: limits.feedRatePerSecond, capacity: limits.queueCapacity },
    clock,
  );
  const ticker = createTotalsTicker(limits.totalsIntervalMs, totals);

  return {
    publish(events) {
      const now = clock();
      for (const event of events) {
        if (!firstTime(event.event_id)) continue;
        const state = siteState(event.site_id);
        // Bucketed by arrival, not by the event's own timestamp: "live" is what is coming in now,
        // also when a sender stamps its events in the past (a load generator, a replay).
        const sample = {
          visitor: event.visitor_id,
          page: event.page,
          pageview: isPageView(event),
          at: event.received_at,
        };
        state.all.add(sample, now);
        if (!event.is_bot) state.humans.add(sample, now);
        state.recent.push(event);
        if (state.recent.length > limits.recentPerSite) state.recent.shift();
        feed.offer(event, now);
      }
    },
    totals,
    recent(filter, limit) {
      const recent = sites.get(filter.siteId)?.recent ?? [];
      return recent
        .filter((event) => matchesFilter(filter, event))
        .slice(-limit)
        .reverse();
    },
    subscribeEvents: (filter) => feed.subscribe(filter),
    subscribeTotals: (query) => ticker.subscribe(query),
    sites: () => [...sites.keys()],
    close() {
      feed.close();
      ticker.close();
    },
  };
}
