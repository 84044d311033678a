import type { TrackedEvent } from '../../domain/tracked-event.js';
import type { LiveSnapshot } from './live-window.js';
import { createSubscriptionQueue, type SubscriptionQueue } from './subscription-queue.js';

/** Which events a feed subscriber wants. */
export interface FeedFilter {
  siteId: string;
  /** Lower-case event types; empty or absent: all. */
  eventTypes?: readonly string[] | undefined;
  /** A normalised page, or a prefix ending in `*` (`/blog/*`). */
  page?: string | undefined;
  includeBots: boolean;
}

export interface TotalsQuery {
  siteId: string;
  includeBots: boolean;
  pageLimit: number;
  /** How many of the last seconds `perSecond` holds. */
  seconds: number;
}

export function matchesFilter(filter: FeedFilter, event: TrackedEvent): boolean {
  if (event.site_id !== filter.siteId || (event.is_bot && !filter.includeBots)) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.event_type)) return false;
  const page = filter.page;
  if (page === undefined) return true;
  return page.endsWith('*') ? event.page.startsWith(page.slice(0, -1)) : event.page === page;
}

interface FeedSubscriber {
  filter: FeedFilter;
  queue: SubscriptionQueue<TrackedEvent>;
  tokens: number;
  refilledAt: number;
}

/**
 * The live feed's subscribers. Each has a token bucket of `ratePerSecond` (events past it are
 * skipped, so a busy site cannot flood a dashboard) and a queue of `capacity` (a slow socket
 * loses its oldest events, never grows memory).
 */
export function createFeedFanout(
  options: { ratePerSecond: number; capacity: number },
  clock: () => number,
) {
  const feeds = new Set<FeedSubscriber>();
  const offer = (feed: FeedSubscriber, event: TrackedEvent, now: number): void => {
    if (!matchesFilter(feed.filter, event)) return;
    feed.tokens = Math.min(
      options.ratePerSecond,
      feed.tokens + ((now - feed.refilledAt) / 1000) * options.ratePerSecond,
    );
    feed.refilledAt = now;
    if (feed.tokens < 1) return;
    feed.tokens--;
    feed.queue.push(event);
  };
  return {
    subscribe(filter: FeedFilter): AsyncIterableIterator<TrackedEvent> {
      const feed: FeedSubscriber = {
        filter,
        tokens: options.ratePerSecond,
        refilledAt: clock(),
        queue: createSubscriptionQueue(options.capacity, () => feeds.delete(feed)),
      };
      feeds.add(feed);
      return feed.queue;
    },
    offer(event: TrackedEvent, now: number): void {
      for (const feed of feeds) offer(feed, event, now);
    },
    close(): void {
      for (const feed of [...feeds]) feed.queue.end();
    },
  };
}

/**
 * Live totals subscribers: each gets a snapshot at once and then every `intervalMs` from one
 * shared timer, which runs only while someone is subscribed. Capacity 1: a subscriber that falls
 * behind only ever gets the newest snapshot.
 */
export function createTotalsTicker(
  intervalMs: number,
  snapshot: (query: TotalsQuery) => LiveSnapshot,
) {
  const subscribers = new Map<SubscriptionQueue<LiveSnapshot>, TotalsQuery>();
  let ticker: NodeJS.Timeout | undefined;
  const tick = (): void => {
    for (const [queue, query] of subscribers) queue.push(snapshot(query));
  };
  return {
    subscribe(query: TotalsQuery): AsyncIterableIterator<LiveSnapshot> {
      const queue = createSubscriptionQueue<LiveSnapshot>(1, () => {
        subscribers.delete(queue);
        if (subscribers.size > 0) return;
        clearInterval(ticker);
        ticker = undefined;
      });
      subscribers.set(queue, query);
      queue.push(snapshot(query));
      if (!ticker) {
        ticker = setInterval(tick, intervalMs);
        ticker.unref();
      }
      return queue;
    },
    close(): void {
      for (const queue of [...subscribers.keys()]) queue.end();
    },
  };
}
