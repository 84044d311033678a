import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Registry } from 'prom-client';

export interface Readiness {
  /** Throws when this process cannot serve: shutting down, or a dependency does not answer. */
  check(): Promise<void>;
}

const operations = { tags: ['operations'] };

/** /healthz: the process is alive. /readyz: it can serve traffic now. /metrics: Prometheus. */
export function healthRoutes(
  app: FastifyInstance,
  options: { readiness: Readiness; registry: Registry; metricsAccess: onRequestAsyncHookHandler },
): void {
  app.get('/healthz', { schema: { ...operations, summary: 'Liveness' } }, () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    {
      schema: {
        ...operations,
        summary: 'Readiness: 503 while starting, shutting down or when a dependency is down',
      },
    },
    async (request, reply) => {
      try {
        await options.readiness.check();
        return { status: 'ready' };
      } catch (error) {
        request.log.warn({ err: error }, 'not ready');
        return reply
          .status(503)
          .header('retry-after', '1')
          .send({ status: 'not ready', reason: (error as Error).message });
      }
    },
  );
  app.get(
    '/metrics',
    {
      onRequest: options.metricsAccess,
      schema: {
        ...operations,
        summary:
          'Prometheus metrics (text format); needs METRICS_API_KEY as a bearer token when it is set',
      },
    },
    async (_request, reply) =>
      reply.type(options.registry.contentType).send(await options.registry.metrics()),
  );
}
