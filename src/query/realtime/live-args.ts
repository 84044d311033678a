import { ClickstreamError } from '../../domain/errors.js';
import type { SiteId } from '../../domain/site-id.js';
import { normalisePage } from '../analytics-service.js';
import type { FeedFilter, TotalsQuery } from './live-subscribers.js';
import { WINDOW_SECONDS } from './live-window.js';

/**
 * What REST and GraphQL both accept for the live view; validated here so both refuse alike. The
 * site comes resolved and authorized (REST's site-scope hook, GraphQL's guardSites).
 */
export interface LiveArgs {
  siteId: SiteId;
  includeBots?: boolean | null | undefined;
}
export interface TotalsArgs extends LiveArgs {
  pageLimit?: number | null | undefined;
  seconds?: number | null | undefined;
}
export interface FeedArgs extends LiveArgs {
  eventTypes?: readonly string[] | null | undefined;
  page?: string | null | undefined;
}

const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

export function toTotalsQuery(args: TotalsArgs): TotalsQuery {
  return {
    siteId: args.siteId,
    includeBots: args.includeBots ?? false,
    pageLimit: integerIn(args.pageLimit ?? 10, 1, 100, 'pageLimit'),
    seconds: integerIn(args.seconds ?? 60, 1, WINDOW_SECONDS, 'seconds'),
  };
}

export function toFeedFilter(args: FeedArgs): FeedFilter {
  const eventTypes = (args.eventTypes ?? []).map((type) => {
    if (!EVENT_TYPE.test(type))
      throw new ClickstreamError('INVALID_QUERY', `${type} is not an event type`, {
        field: 'eventTypes',
      });
    // Ingest lower-cases event types and renames pageview.
    const lower = type.toLowerCase();
    return lower === 'pageview' ? 'page_view' : lower;
  });
  const prefix = args.page?.endsWith('*') ?? false;
  const page = args.page
    ? normalisePage(prefix ? args.page.slice(0, -1) || '/' : args.page)
    : undefined;
  return {
    siteId: args.siteId,
    includeBots: args.includeBots ?? false,
    eventTypes,
    page: page === undefined ? undefined : prefix ? `${page === '/' ? '' : page}/*` : page,
  };
}

export function integerIn(value: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ClickstreamError('INVALID_QUERY', `must be an integer from ${min} to ${max}`, {
      field,
    });
  }
  return value;
}
