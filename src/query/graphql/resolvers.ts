import type { MercuriusContext } from 'mercurius';
import type { Metric } from '../../domain/analytics-query.js';
import type { Granularity } from '../../domain/time-buckets.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import type { AnalyticsService, BreakdownDimension, Scope } from '../analytics-service.js';

/** The site is filled in by guardSites (graphql-access.ts), resolved and authorized. */
interface ScopeArgs {
  scope: Scope;
}
const scopeOf = (args: ScopeArgs): Scope => ({ ...args.scope });
const orUndefined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

declare module 'mercurius' {
  interface MercuriusContext {
    /** Explanations of this request's answers, sent in the response's `extensions.notes`. */
    notes?: string[] | undefined;
  }
}

/** Resolvers only translate names; the analytics service validates and answers. */
export function createResolvers(analytics: AnalyticsService) {
  return {
    Query: {
      pageViews: async (_: unknown, a: { pageURL: string } & Scope, context: MercuriusContext) => {
        const result = await analytics.pageViews(
          {
            siteId: a.siteId,
            from: orUndefined(a.from),
            to: orUndefined(a.to),
            includeBots: orUndefined(a.includeBots),
          },
          a.pageURL,
        );
        // The answer stays an Int (the seed's shape); why it is 0 goes in the response's extensions.
        if (result.leftOut) (context.notes ??= []).push(result.leftOut.note);
        return result.pageviews;
      },
      pageEvents: async (_: unknown, a: { pageURL: string } & ScopeArgs) =>
        (await analytics.pageViews(scopeOf(a), a.pageURL)).events,
      uniqueVisitors: (_: unknown, a: { pageURL?: string | null } & ScopeArgs) =>
        analytics.uniqueVisitors(scopeOf(a), orUndefined(a.pageURL)),
      timeseries: (
        _: unknown,
        a: {
          interval: Granularity;
          metrics?: Metric[] | null;
          pageURL?: string | null;
        } & ScopeArgs,
      ) =>
        analytics.timeseries(
          scopeOf(a),
          a.interval,
          a.metrics?.length ? a.metrics : ['pageviews', 'events'],
          orUndefined(a.pageURL),
        ),
      topPages: (_: unknown, a: { limit?: number | null } & ScopeArgs) =>
        analytics.topPages(scopeOf(a), orUndefined(a.limit)),
      eventCounts: async (_: unknown, a: { limit?: number | null } & ScopeArgs) =>
        (await analytics.eventCounts(scopeOf(a), orUndefined(a.limit))).map((r) => ({
          eventType: r.event_type,
          events: r.events,
        })),
      breakdown: (
        _: unknown,
        a: { dimension: BreakdownDimension; limit?: number | null } & ScopeArgs,
      ) => analytics.breakdown(scopeOf(a), a.dimension, orUndefined(a.limit)),
      sessions: async (_: unknown, a: ScopeArgs) => {
        const s = await analytics.sessions(scopeOf(a));
        return {
          sessions: s.sessions,
          bounceRate: s.bounce_rate,
          avgDurationMs: s.avg_duration_ms,
        };
      },
      userEvents: async (
        _: unknown,
        a: {
          userId: string;
          siteId: string;
          limit?: number | null;
          cursor?: string | null;
        },
      ) => {
        const page = await analytics.userEvents(
          a.siteId,
          a.userId,
          orUndefined(a.limit),
          orUndefined(a.cursor),
        );
        return { events: page.events.map(toGraphqlEvent), nextCursor: page.nextCursor };
      },
    },
  };
}

export function toGraphqlEvent(e: TrackedEvent) {
  return {
    eventId: e.event_id,
    siteId: e.site_id,
    userId: e.user_id,
    visitorId: e.visitor_id,
    eventType: e.event_type,
    page: e.page,
    timestamp: new Date(e.timestamp).toISOString(),
    receivedAt: new Date(e.received_at).toISOString(),
    sessionId: e.session_id,
    referrer: e.referrer,
    title: e.title,
    properties: e.properties ? JSON.stringify(e.properties) : null,
    element: e.element,
    scrollDepth: e.scroll_depth,
    browser: e.browser,
    os: e.os,
    device: e.device,
    isBot: e.is_bot,
  };
}
