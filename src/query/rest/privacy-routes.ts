import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { OptionalSiteId } from '../../domain/site-id.js';

export interface PrivacyRouteOptions {
  /** EventStore.eraseVisitor: deletes one visitor's raw events and sessions, answers how many events. */
  eraseVisitor(siteId: string, visitorId: string): Promise<number>;
}

/**
 * DELETE /analytics/users/:userId: a visitor's right to erasure. Under /analytics so it is behind the
 * same key and site scope as reading that visitor's events. Idempotent: a second call erases 0.
 */
export function privacyRoutes(parent: FastifyInstance, options: PrivacyRouteOptions): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.delete(
    '/analytics/users/:userId',
    {
      config: { sharedLink: false },
      schema: {
        tags: ['analytics'],
        summary:
          "Erase one visitor's raw events and sessions in a site (aggregates, which are anonymous counts, stay)",
        params: Type.Object({ userId: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object(
          {
            site_id: OptionalSiteId,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            site_id: Type.String(),
            user_id: Type.String(),
            erased_events: Type.Integer({ minimum: 0 }),
          }),
        },
      },
    },
    async (request) => {
      const { siteId } = request;
      const erased = await options.eraseVisitor(siteId, request.params.userId);
      request.log.info({ siteId, erased }, 'visitor erased');
      return { site_id: siteId, user_id: request.params.userId, erased_events: erased };
    },
  );
}
