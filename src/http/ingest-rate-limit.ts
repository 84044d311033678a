import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { ClickstreamError } from '../domain/errors.js';
import { isLoopback } from './query-auth.js';

/**
 * Requests per client address per minute on the routes registered after it in the same
 * encapsulated plugin, the ingest routes (429 with Retry-After past it). The
 * address is request.ip, so behind TRUSTED_PROXIES it is the visitor's, not the proxy's. Loopback
 * clients are not limited: they are this machine's own senders (load generators, sidecars), and a
 * proxy on this host must be named in TRUSTED_PROXIES for any per-client limit to mean anything.
 */
export async function registerIngestRateLimit(
  app: FastifyInstance,
  perMinute: number,
): Promise<void> {
  if (perMinute === 0) return;
  await app.register(rateLimit, {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    // Bounded memory under an address-spraying flood: the least recently seen addresses are forgotten.
    cache: 50_000,
    allowList: (request) => isLoopback(request.ip),
    errorResponseBuilder: (_request, context) =>
      new ClickstreamError(
        'RATE_LIMITED',
        `more than ${context.max} requests a minute from this address; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
}
