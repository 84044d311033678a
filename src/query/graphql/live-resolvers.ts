import { isClickstreamError } from '../../domain/errors.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import type { LiveHub } from '../realtime/live-hub.js';
import {
  integerIn,
  toFeedFilter,
  toTotalsQuery,
  type FeedArgs,
  type TotalsArgs,
} from '../realtime/live-args.js';
import type { LiveSnapshot } from '../realtime/live-window.js';
import { graphqlErrorOf } from './graphql-errors.js';
import { toGraphqlEvent } from './resolvers.js';

const iso = (ms: number): string => new Date(ms).toISOString();

function toGraphqlTotals(siteId: string, s: LiveSnapshot) {
  return {
    siteId,
    time: iso(s.time),
    eventsPerSecond: s.eventsPerSecond,
    events: s.events,
    pageviews: s.pageviews,
    activeVisitors: s.activeVisitors,
    pages: s.pages,
    perSecond: s.perSecond.map((p) => ({ ...p, time: iso(p.time) })),
  };
}

/** Maps an async iterator's values; return() reaches the source so unsubscribing frees it. */
function mapIterator<T, U>(
  source: AsyncIterableIterator<T>,
  map: (value: T) => U,
): AsyncIterableIterator<U> {
  const mapped: AsyncIterableIterator<U> = {
    next: async () => {
      const result = await source.next();
      return result.done
        ? { value: undefined, done: true }
        : { value: map(result.value), done: false };
    },
    return: async () => {
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => mapped,
  };
  return mapped;
}

/**
 * Subscription errors go to the client without passing mercurius' error formatter, so a refused
 * argument is turned into the same message, code and field here.
 */
function subscribing<A, T>(subscribe: (args: A) => AsyncIterableIterator<T>) {
  return (_: unknown, args: A): AsyncIterableIterator<T> => {
    try {
      return subscribe(args);
    } catch (error) {
      if (!isClickstreamError(error)) throw error;
      throw graphqlErrorOf(error);
    }
  };
}

/**
 * Resolvers of the live queries and subscriptions; arguments are checked in live-args, the site
 * (at the top, or in `filter`) comes filled in by guardSites.
 */
export function createLiveResolvers(live: LiveHub) {
  return {
    Query: {
      liveTotals: (_: unknown, args: TotalsArgs) => {
        const query = toTotalsQuery(args);
        return toGraphqlTotals(query.siteId, live.totals(query));
      },
      recentEvents: (_: unknown, args: { filter: FeedArgs; limit?: number | null }) =>
        live
          .recent(toFeedFilter(args.filter), integerIn(args.limit ?? 50, 1, 100, 'limit'))
          .map(toGraphqlEvent),
    },
    Subscription: {
      liveTotals: {
        subscribe: subscribing((args: TotalsArgs) => {
          const query = toTotalsQuery(args);
          return mapIterator(live.subscribeTotals(query), (s) => toGraphqlTotals(query.siteId, s));
        }),
        // Each value of the iterator is the field's value (not an object keyed by field name).
        resolve: (payload: unknown) => payload,
      },
      liveEvents: {
        subscribe: subscribing((args: { filter: FeedArgs }) =>
          mapIterator(live.subscribeEvents(toFeedFilter(args.filter)), (e: TrackedEvent) =>
            toGraphqlEvent(e),
          ),
        ),
        resolve: (payload: unknown) => payload,
      },
    },
  };
}
