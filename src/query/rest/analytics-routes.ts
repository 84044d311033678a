import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { METRICS, type Metric } from '../../domain/analytics-query.js';
import { ClickstreamError } from '../../domain/errors.js';
import { OptionalSiteId } from '../../domain/site-id.js';
import { resolveRange } from '../query-range.js';
import {
  defaultDaysOf,
  normalisePage,
  type AnalyticsService,
  type BreakdownDimension,
  type Scope,
} from '../analytics-service.js';

const ScopeQuery = {
  site_id: OptionalSiteId,
  from: Type.Optional(
    Type.String({
      maxLength: 40,
      description:
        'Start (inclusive): 2026-01-31, 2026-01-31T12:00:00Z or epoch ms. Default: 30 days before to.',
    }),
  ),
  to: Type.Optional(
    Type.String({ maxLength: 40, description: 'End (exclusive), same formats. Default: now.' }),
  ),
  include_bots: Type.Optional(
    Type.Boolean({ description: 'Count bot traffic too (default false).' }),
  ),
};
/** The dashboard's reads: a shared link of the site may ask them (one visitor's events it may not). */
const DASHBOARD_READ = { sharedLink: true };
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }));
const ScopeSchema = Type.Object(ScopeQuery, { additionalProperties: false });
type ScopeParams = Static<typeof ScopeSchema>;
/** A request after the site-scope hook: its site resolved and authorized. */
type ScopedRequest = { siteId: string; query: ScopeParams };

const BREAKDOWNS: Record<string, BreakdownDimension> = {
  referrers: 'referrer',
  browsers: 'browser',
  os: 'os',
  devices: 'device',
  'utm-sources': 'utm_source',
  'utm-mediums': 'utm_medium',
  'utm-campaigns': 'utm_campaign',
};

export interface AnalyticsRouteOptions {
  analytics: AnalyticsService;
  maxRangeDays: number;
}

/** The REST query API under /analytics; every route validates its query string and range. */
export function analyticsRoutes(parent: FastifyInstance, options: AnalyticsRouteOptions): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { analytics } = options;
  // The site comes from the site-scope hook (query-auth.ts): resolved and authorized once.
  const scopeOf = ({ siteId, query: q }: ScopedRequest): Scope => ({
    siteId,
    from: q.from,
    to: q.to,
    includeBots: q.include_bots,
  });
  const rangeOf = (q: ScopeParams, defaultDays = 30) => {
    const r = resolveRange(q, { maxRangeDays: options.maxRangeDays, defaultDays });
    return { from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString() };
  };
  const tags = ['analytics'];

  const pageViews = async (request: ScopedRequest, page: string) => {
    const q = request.query;
    const result = await analytics.pageViews(scopeOf(request), page);
    const explained = result.leftOut
      ? {
          left_out: {
            bot_events: result.leftOut.botEvents,
            bot_page_views: result.leftOut.botPageviews,
          },
          note: result.leftOut.note,
        }
      : {};
    return {
      site_id: q.site_id ?? null,
      page: normalisePage(page),
      page_views: result.pageviews,
      events: result.events,
      visitors: result.visitors,
      ...rangeOf(q),
      ...explained,
    };
  };
  app.get(
    '/analytics/page-views/*',
    {
      config: DASHBOARD_READ,
      schema: {
        tags,
        summary:
          'Page views of one page (the path after page-views/, e.g. /analytics/page-views/blog/post-1)',
        querystring: ScopeSchema,
      },
    },
    (request) => pageViews(request, String((request.params as Record<string, string>)['*'] ?? '')),
  );
  app.get(
    '/analytics/page-views',
    {
      config: DASHBOARD_READ,
      schema: {
        tags,
        summary: 'Page views of one page, named by ?page=',
        querystring: Type.Object(
          { ...ScopeQuery, page: Type.String({ minLength: 1, maxLength: 2048 }) },
          { additionalProperties: false },
        ),
      },
    },
    (request) => pageViews(request, request.query.page),
  );

  app.get(
    '/analytics/timeseries',
    {
      config: DASHBOARD_READ,
      schema: {
        tags,
        summary: 'Metrics over time, one point per minute, hour or day',
        querystring: Type.Object(
          {
            ...ScopeQuery,
            interval: Type.Optional(
              Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], {
                default: 'hour',
              }),
            ),
            metrics: Type.Optional(
              Type.String({
                maxLength: 200,
                description: `Comma-separated: ${METRICS.join(', ')}. Default: pageviews,visitors.`,
              }),
            ),
            page: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const q = request.query;
      const interval = q.interval ?? 'hour';
      const metrics = parseMetrics(
        q.metrics ?? (interval === 'minute' ? 'pageviews,events' : 'pageviews,visitors'),
      );
      return {
        interval,
        ...rangeOf(q, defaultDaysOf(interval)),
        points: await analytics.timeseries(scopeOf(request), interval, metrics, q.page),
      };
    },
  );

  app.get(
    '/analytics/top-pages',
    {
      config: DASHBOARD_READ,
      schema: {
        tags,
        summary: 'Most viewed pages',
        querystring: Type.Object({ ...ScopeQuery, limit: Limit }, { additionalProperties: false }),
      },
    },
    async (request) => ({
      ...rangeOf(request.query),
      pages: await analytics.topPages(scopeOf(request), request.query.limit),
    }),
  );

  app.get(
    '/analytics/events',
    {
      config: DASHBOARD_READ,
      schema: {
        tags,
        summary: 'Event counts by event type',
        querystring: Type.Object({ ...ScopeQuery, limit: Limit }, { additionalProperties: false }),
      },
    },
    async (request) => ({
      ...rangeOf(request.query),
      event_types: await analytics.eventCounts(scopeOf(request), request.query.limit),
    }),
  );

  app.get(
    '/analytics/unique-visitors',
    {
      config: DASHBOARD_READ,
      schema: {
        tags,
        summary: 'Unique visitors (HyperLogLog, ~0.8 % standard error), site-wide or of one page',
        querystring: Type.Object(
          { ...ScopeQuery, page: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      ...rangeOf(request.query),
      page: request.query.page ?? null,
      visitors: await analytics.uniqueVisitors(scopeOf(request), request.query.page),
    }),
  );

  app.get(
    '/analytics/sessions',
    {
      config: DASHBOARD_READ,
      schema: {
        tags,
        summary:
          'Sessions (30 minutes of inactivity end one): count, bounce rate, average duration',
        querystring: ScopeSchema,
      },
    },
    async (request) => ({
      ...rangeOf(request.query),
      ...(await analytics.sessions(scopeOf(request))),
    }),
  );

  app.get(
    '/analytics/users/:userId/events',
    {
      config: { sharedLink: false },
      schema: {
        tags,
        summary: "One user's events, newest first, cursor-paginated",
        params: Type.Object({ userId: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object(
          {
            site_id: ScopeQuery.site_id,
            limit: Limit,
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const page = await analytics.userEvents(
        request.siteId,
        request.params.userId,
        request.query.limit,
        request.query.cursor,
      );
      return { user_id: request.params.userId, events: page.events, next_cursor: page.nextCursor };
    },
  );

  for (const [path, dimension] of Object.entries(BREAKDOWNS)) {
    app.get(
      `/analytics/${path}`,
      {
        config: DASHBOARD_READ,
        schema: {
          tags,
          summary: `Page views and events by ${dimension.replace('_', ' ')}`,
          querystring: Type.Object(
            { ...ScopeQuery, limit: Limit },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => ({
        ...rangeOf(request.query),
        dimension,
        rows: await analytics.breakdown(scopeOf(request), dimension, request.query.limit),
      }),
    );
  }
}

export function parseMetrics(list: string): Metric[] {
  const metrics = list
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const unknown = metrics.find((m) => !(METRICS as readonly string[]).includes(m));
  if (unknown !== undefined || metrics.length === 0) {
    throw new ClickstreamError(
      'INVALID_QUERY',
      `${unknown ?? '(none)'} is not a metric; use ${METRICS.join(', ')}`,
      { field: 'metrics' },
    );
  }
  return [...new Set(metrics)] as Metric[];
}
