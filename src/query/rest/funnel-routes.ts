import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { FUNNEL_LIMITS } from '../../domain/funnel.js';
import { parseFunnelRequest } from '../funnel/parse-funnel.js';
import type { FunnelService } from '../funnel/funnel-service.js';
import type { SharedLinks } from '../settings/shared-links.js';
import { StatsRequestSchema } from './stats-routes.js';

const FunnelStep = Type.Object({
  visitors: Type.Integer(),
  conversion_rate: Type.Number(),
  dropoff: Type.Integer(),
  dropoff_rate: Type.Number(),
});

/** POST /analytics/funnel (docs/funnels.md). */
export function funnelRoutes(app: FastifyInstance, options: { funnels: FunnelService }): void {
  app.post(
    '/analytics/funnel',
    {
      config: { sharedLink: true },
      schema: {
        tags: ['analytics'],
        summary: 'Visitors who did steps 1..n in that order within one visit (docs/funnels.md)',
        body: Type.Object({
          site_id: StatsRequestSchema.properties.site_id,
          date_range: StatsRequestSchema.properties.date_range,
          timezone: Type.Optional(Type.String()),
          steps: Type.Array(Type.Unknown(), {
            minItems: FUNNEL_LIMITS.minSteps,
            maxItems: FUNNEL_LIMITS.maxSteps,
            description: 'Filters of the general query, e.g. ["is", "event:page", ["/pricing"]]',
          }),
          filters: Type.Optional(Type.Array(Type.Unknown())),
          include: Type.Optional(Type.Object({ bots: Type.Optional(Type.Boolean()) })),
        }),
        response: {
          200: Type.Object({
            steps: Type.Array(FunnelStep),
            meta: Type.Object({
              store: Type.String(),
              exact: Type.Boolean(),
              rows_read: Type.Integer(),
            }),
            query: Type.Object({
              site_id: Type.String(),
              date_range: Type.Array(Type.String()),
              timezone: Type.String(),
            }),
          }),
        },
      },
      // The parser names the exact field of a mistake (`steps[1][2][0]`).
      validatorCompiler: () => (data: unknown) => ({ value: data }),
    },
    async (request) => options.funnels.run(parseFunnelRequest(request.body)),
  );
}

/**
 * The shared-link page `/share/<token>` (the dashboard, which reads the token from its address)
 * and `POST /share/unlock` for a link with a password. Outside /analytics: a link's visitor has no
 * key; the data routes check the token on every request.
 */
export function sharePageRoutes(
  app: FastifyInstance,
  options: { links: SharedLinks; dashboardIndex: string | undefined },
): void {
  const page =
    options.dashboardIndex === undefined ? undefined : readFileSync(options.dashboardIndex);
  app.get('/share/:token', { schema: { hide: true } }, (_request, reply) => {
    if (!page)
      return reply
        .type('text/plain; charset=utf-8')
        .status(404)
        .send('The dashboard is not built.\n');
    // The token is in the address: it must not travel on in a Referer.
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(page);
  });
  app.post(
    '/share/unlock',
    {
      schema: {
        tags: ['settings'],
        summary:
          'Open a shared link: { token, password } → its site and an access token (for a link with a password, valid 12 hours)',
        body: Type.Object({ token: Type.String(), password: Type.String() }),
        response: {
          200: Type.Object({
            access_token: Type.String(),
            expires_at: Type.String(),
            site_id: Type.String(),
          }),
        },
      },
      validatorCompiler: () => (data: unknown) => ({ value: data }),
    },
    async (request) => {
      const body = (request.body ?? {}) as { token?: unknown; password?: unknown };
      return options.links.unlock(body.token, body.password);
    },
  );
}
