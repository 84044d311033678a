import { ClickstreamError } from '../../domain/errors.js';
import { isSiteId, SITE_ID_RULE } from '../../domain/site-id.js';
import { normalisePage } from '../analytics-service.js';
import type { FeedFilter, TotalsQuery } from './live-subscribers.js';
import { WINDOW_SECONDS } from './live-window.js';

/** What REST and GraphQL both accept for the live view; validated here so both refuse alike. */
export interface LiveArgs {
  siteId?: string | null | undefined;
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

export function toTotalsQuery(args: TotalsArgs, defaultSiteId: string): TotalsQuery {
  return {
    siteId: siteOf(args, defaultSiteId),
    includeBots: args.includeBots ?? false,
    pageLimit: integerIn(args.pageLimit ?? 10, 1, 100, 'pageLimit'),
    seconds: integerIn(args.seconds ?? 60, 1, WINDOW_SECONDS, 'seconds'),
  };
}

export function toFeedFilter(args: FeedArgs, defaultSiteId: string): FeedFilter {
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
    siteId: siteOf(args, defaultSiteId),
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

function siteOf(args: LiveArgs, defaultSiteId: string): string {
  const site = args.siteId ?? defaultSiteId;
  if (!isSiteId(site))
    throw new ClickstreamError('INVALID_QUERY', `must be ${SITE_ID_RULE}`, {
      field: 'siteId',
    });
  return site;
}
