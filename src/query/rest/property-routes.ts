import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { lowerGoalFilters, type Goal } from '../../domain/stats/goals.js';
import { parseStatsRequest } from '../../domain/stats/parse-request.js';
import type { PropertyKeysReader } from '../../ports/property-keys.js';
import { invalid, isRecord } from '../../domain/query-input.js';
import type { StatsEngine } from '../stats/stats-engine.js';
import { StatsRequestSchema } from './stats-routes.js';

const KNOWN = ['site_id', 'date_range', 'timezone', 'filters', 'include'];

/**
 * POST /analytics/property-keys: the custom property keys of the events a query would count, so
 * a client can break an event down by each (`event:props:<key>`). Same body as the general query
 * without metrics and dimensions.
 */
export function propertyRoutes(
  app: FastifyInstance,
  options: {
    stats: StatsEngine;
    reader: PropertyKeysReader | undefined;
    goals(siteId: string): Promise<readonly Goal[]>;
  },
): void {
  app.post(
    '/analytics/property-keys',
    {
      config: { sharedLink: true },
      schema: {
        tags: ['analytics'],
        summary: 'The custom property keys of the counted events, the most used first (up to 50)',
        body: Type.Object({
          site_id: StatsRequestSchema.properties.site_id,
          date_range: StatsRequestSchema.properties.date_range,
          timezone: Type.Optional(Type.String()),
          filters: Type.Optional(Type.Array(Type.Unknown())),
          include: Type.Optional(Type.Object({ bots: Type.Optional(Type.Boolean()) })),
        }),
        response: {
          200: Type.Object({
            keys: Type.Array(Type.Object({ key: Type.String(), events: Type.Integer() })),
          }),
        },
      },
      validatorCompiler: () => (data: unknown) => ({ value: data }),
    },
    async (request) => {
      const body = request.body;
      if (!isRecord(body)) invalid('body', 'must be a JSON object');
      for (const key of Object.keys(body))
        if (!KNOWN.includes(key)) invalid(key, `is not a known field; use ${KNOWN.join(', ')}`);
      const query = await options.stats.resolve(
        parseStatsRequest({ ...body, metrics: ['events'] }),
      );
      if (!options.reader) return { keys: [] };
      const goals = JSON.stringify(query.filter ?? []).includes('"event:goal"')
        ? await options.goals(query.siteId)
        : [];
      const filter = lowerGoalFilters(query.filter, goals);
      return {
        keys: await options.reader.propertyKeys(
          {
            siteId: query.siteId,
            from: query.from,
            to: query.to,
            includeBots: query.includeBots,
            filter,
          },
          50,
        ),
      };
    },
  );
}
