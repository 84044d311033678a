import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { OptionalSiteId } from '../../domain/site-id.js';
import { visibleSites } from '../query-access.js';
import type { LiveHub } from './live-hub.js';
import { integerIn, toFeedFilter, toTotalsQuery } from './live-args.js';
import type { SiteDirectory } from './site-directory.js';

export interface LiveRouteOptions {
  live: LiveHub | undefined;
  sites: SiteDirectory;
}

const site_id = OptionalSiteId;
const include_bots = Type.Optional(
  Type.Boolean({ description: 'Count bot traffic too (default false).' }),
);

/**
 * GET /analytics/sites (for a site picker) and, with the live view, GET /analytics/live (the
 * last five minutes) and GET /analytics/live/events (the newest events). The GraphQL
 * subscriptions stream the same data.
 */
export function liveRoutes(parent: FastifyInstance, options: LiveRouteOptions): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['analytics'];
  app.get(
    '/analytics/sites',
    {
      config: { siteListing: true, sharedLink: true },
      schema: {
        tags,
        summary:
          'Sites with data, for a site picker; `live` tells whether this instance has the live view (LIVE_VIEW)',
      },
    },
    async (request) => ({
      sites: visibleSites(request.queryAccess, await options.sites.list()),
      live: options.live !== undefined,
    }),
  );

  const live = options.live;
  if (!live) return;
  app.get(
    '/analytics/live',
    {
      config: { sharedLink: true },
      schema: {
        tags,
        summary: 'The last five minutes: events per second, active visitors, page views per page',
        querystring: Type.Object(
          {
            site_id,
            include_bots,
            page_limit: Type.Optional(Type.Integer()),
            seconds: Type.Optional(Type.Integer()),
          },
          { additionalProperties: false },
        ),
      },
    },
    (request) => {
      const q = request.query;
      const snapshot = live.totals(
        toTotalsQuery({
          siteId: request.siteId,
          includeBots: q.include_bots,
          pageLimit: q.page_limit,
          seconds: q.seconds,
        }),
      );
      return {
        time: new Date(snapshot.time).toISOString(),
        events_per_second: snapshot.eventsPerSecond,
        events: snapshot.events,
        pageviews: snapshot.pageviews,
        active_visitors: snapshot.activeVisitors,
        pages: snapshot.pages,
        per_second: snapshot.perSecond.map((s) => ({ ...s, time: new Date(s.time).toISOString() })),
      };
    },
  );
  app.get(
    '/analytics/live/events',
    {
      // Single visitors' events: keys only, not a shared link.
      config: { sharedLink: false },
      schema: {
        tags,
        summary: 'The newest events this instance has seen (at most 100 per site), newest first',
        querystring: Type.Object(
          {
            site_id,
            include_bots,
            event_types: Type.Optional(
              Type.String({ maxLength: 400, description: 'Comma-separated event types.' }),
            ),
            page: Type.Optional(
              Type.String({
                maxLength: 2048,
                description: 'A page, or a prefix ending in /* (e.g. /blog/*).',
              }),
            ),
            limit: Type.Optional(Type.Integer()),
          },
          { additionalProperties: false },
        ),
      },
    },
    (request) => {
      const q = request.query;
      const eventTypes = q.event_types
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const filter = toFeedFilter({
        siteId: request.siteId,
        includeBots: q.include_bots,
        eventTypes,
        page: q.page,
      });
      return { events: live.recent(filter, integerIn(q.limit ?? 50, 1, 100, 'limit')) };
    },
  );
}
