import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { SiteId } from '../../domain/site-id.js';
import { DATE_RANGE_SHORTCUTS } from '../../domain/stats/date-range.js';
import { parseStatsRequest, QUERY_LIMITS } from '../../domain/stats/parse-request.js';
import { FILTER_OPERATORS, STATS_METRICS } from '../../domain/stats/query-model.js';
import { describeQuery, type StatsEngine } from '../stats/stats-engine.js';

/** The request as OpenAPI shows it; the parser (domain/stats/parse-request.ts) is what checks it, field by field. */
export const StatsRequestSchema = Type.Object({
  site_id: SiteId,
  metrics: Type.Array(Type.Union(STATS_METRICS.map((m) => Type.Literal(m))), {
    minItems: 1,
    maxItems: QUERY_LIMITS.metrics,
  }),
  date_range: Type.Union(
    [
      Type.Union(DATE_RANGE_SHORTCUTS.map((r) => Type.Literal(r))),
      Type.Array(Type.String(), { minItems: 2, maxItems: 2 }),
    ],
    {
      description:
        'A shortcut, or [from, to] as dates (both days included) or date-times with a zone.',
    },
  ),
  timezone: Type.Optional(Type.String({ description: "IANA time zone; default: the site's." })),
  dimensions: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: QUERY_LIMITS.dimensions,
      description:
        'event:page, event:name, event:hostname, event:goal, event:props:<key>, visit:*, time, time:minute|hour|day|week|month',
    }),
  ),
  filters: Type.Optional(
    Type.Array(Type.Unknown(), {
      description: `[operator, dimension, [values]] with ${FILTER_OPERATORS.join(', ')}; ["and"|"or", [filters]]; ["not", filter]`,
    }),
  ),
  order_by: Type.Optional(
    Type.Array(
      Type.Tuple([Type.String(), Type.Union([Type.Literal('asc'), Type.Literal('desc')])]),
    ),
  ),
  include: Type.Optional(
    Type.Object({
      total_rows: Type.Optional(Type.Boolean()),
      time_labels: Type.Optional(Type.Boolean()),
      bots: Type.Optional(Type.Boolean()),
    }),
  ),
  pagination: Type.Optional(
    Type.Object({
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: QUERY_LIMITS.pageLimit })),
      offset: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
  ),
});

export const StatsResponseSchema = Type.Object({
  results: Type.Array(
    Type.Object({
      dimensions: Type.Array(Type.String()),
      metrics: Type.Array(Type.Union([Type.Number(), Type.Null()])),
    }),
  ),
  meta: Type.Object({
    store: Type.String(),
    exact: Type.Boolean(),
    sample_fraction: Type.Number(),
    rows_read: Type.Integer(),
    visitors_estimator: Type.String(),
    relative_error_95: Type.Optional(Type.Number()),
    total_rows: Type.Optional(Type.Integer()),
    time_labels: Type.Optional(Type.Array(Type.String())),
  }),
  query: Type.Object({}, { additionalProperties: true }),
});

/** POST /analytics/query: the general query (docs/query.md). */
export function statsRoutes(app: FastifyInstance, options: { stats: StatsEngine }): void {
  app.post(
    '/analytics/query',
    {
      config: { sharedLink: true },
      schema: {
        tags: ['analytics'],
        summary:
          'The general query: metrics × dimensions × filters × date range (Plausible Stats API v2 shape; docs/query.md)',
        body: StatsRequestSchema,
        response: { 200: StatsResponseSchema },
      },
      // The parser names the exact field of any mistake (`filters[0][2]`); Ajv's messages would not.
      validatorCompiler: () => (data: unknown) => ({ value: data }),
    },
    async (request) => {
      // The site-scope hook has authorized the body's site_id, which the parser has now checked.
      const parsed = parseStatsRequest(request.body);
      const { query, answer } = await options.stats.run(parsed);
      return { results: answer.results, meta: answer.meta, query: describeQuery(query) };
    },
  );
}
