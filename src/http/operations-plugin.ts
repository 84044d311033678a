import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { healthRoutes, type Readiness } from './health-routes.js';
import { metricsKeyCheck } from './query-auth.js';

export interface OperationsPluginOptions {
  readiness: Readiness;
  registry: Registry;
  metricsApiKey: string | undefined;
}

/**
 * The operations audience, on every role: /healthz and /readyz (open: they describe, they do not
 * disclose), the OpenAPI document at /docs, and /metrics behind METRICS_API_KEY when it is set.
 */
export const operationsPlugin: FastifyPluginAsync<OperationsPluginOptions> = async (
  app,
  options,
) => {
  healthRoutes(app, {
    readiness: options.readiness,
    registry: options.registry,
    metricsAccess: metricsKeyCheck(options.metricsApiKey),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
};
