import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ClickstreamError, errorBodyOf } from '../domain/errors.js';
import { TrackInputSchema } from '../domain/track-input.js';
import type { RequestContext } from './enrich-event.js';
import { singleEventError, type IngestService } from './ingest-service.js';

export interface IngestRouteOptions {
  ingest: IngestService;
  maxBatchEvents: number;
}

const ACCEPTED = {
  type: 'object',
  properties: { accepted: { type: 'integer' }, event_id: { type: 'string' } },
} as const;
const REJECTION = {
  type: 'object',
  properties: {
    index: { type: 'integer' },
    field: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

/**
 * POST /track and POST /track/batch. A 202 means the events are durably in the log. Bodies are
 * JSON, sent as application/json or as text/plain (what navigator.sendBeacon sends).
 */
export function ingestRoutes(app: FastifyInstance, options: IngestRouteOptions): void {
  const context = (request: FastifyRequest): RequestContext => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? '',
    receivedAt: Date.now(),
  });

  app.post(
    '/track',
    {
      schema: {
        summary: 'Track one event',
        tags: ['ingest'],
        description:
          'Fields: user_id, page_url (required), event_type (required), user_agent, ip_address, event_id, timestamp, site_id, session_id, referrer, title, properties, element, scroll_depth, screen.',
        body: TrackInputSchema,
        response: { 202: ACCEPTED },
      },
      validatorCompiler: documentedOnly,
    },
    async (request, reply) => {
      const result = await options.ingest.track([request.body], context(request));
      const rejection = result.rejected[0];
      if (rejection) throw singleEventError(rejection);
      return reply.status(202).send({ accepted: 1, event_id: result.accepted[0]!.event_id });
    },
  );

  app.post(
    '/track/batch',
    {
      schema: {
        summary: `Track up to ${options.maxBatchEvents} events`,
        tags: ['ingest'],
        description:
          'Body: {"events": [...]} or a bare array. Good events are accepted even when others are rejected; each rejection names its index, field and rule.',
        body: Type.Object({
          events: Type.Array(TrackInputSchema, { minItems: 1, maxItems: options.maxBatchEvents }),
        }),
        response: {
          202: {
            type: 'object',
            properties: {
              accepted: { type: 'integer' },
              rejected: { type: 'array', items: REJECTION },
            },
          },
          400: { type: 'object', additionalProperties: true },
        },
      },
      validatorCompiler: documentedOnly,
    },
    async (request, reply) => {
      const events = batchEvents(request.body, options.maxBatchEvents);
      const result = await options.ingest.track(events, context(request));
      const status = result.accepted.length === 0 ? 400 : 202;
      const body = { accepted: result.accepted.length, rejected: result.rejected };
      if (status === 400) {
        const error = new ClickstreamError('INVALID_EVENT', 'no event in the batch was valid');
        return reply.status(400).send({ ...errorBodyOf(error), ...body });
      }
      return reply.status(202).send(body);
    },
  );
}

/**
 * The body schemas document the API (OpenAPI); the ingest service validates each event itself so
 * a batch can keep its good events and name each bad one.
 */
function documentedOnly() {
  return (data: unknown) => ({ value: data });
}

function batchEvents(body: unknown, max: number): unknown[] {
  const events = Array.isArray(body) ? body : (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) {
    throw new ClickstreamError(
      'INVALID_EVENT',
      'must be an array of events (send {"events": [...]})',
      { field: 'events' },
    );
  }
  if (events.length === 0)
    throw new ClickstreamError('INVALID_EVENT', 'must hold at least one event', {
      field: 'events',
    });
  if (events.length > max)
    throw new ClickstreamError('INVALID_EVENT', `must hold at most ${max} events`, {
      field: 'events',
    });
  return events;
}
