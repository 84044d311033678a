import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ClickstreamError, isClickstreamError } from '../domain/errors.js';
import { ALL_SITES, allowsRequest, assertSite, type QueryAccess } from '../query/query-access.js';
import { toErrorBody } from './error-handler.js';

export interface QueryAuthOptions {
  /** API_KEYS entries: `key` or `key:site1|site2`. */
  apiKeys: readonly string[];
  metricsApiKey: string | undefined;
  defaultSiteId: string;
  /** The read-only access of a shared link's bearer token; undefined when the bearer is no link's. */
  sharedLinkAccess?: ((bearer: string | undefined) => Promise<QueryAccess> | undefined) | undefined;
}

/** Keys are held by digest: the lookup compares digests, so its timing says nothing about a key. */
export type KeyTable = ReadonlyMap<string, QueryAccess>;

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

export function parseApiKeys(entries: readonly string[]): KeyTable {
  const table = new Map<string, QueryAccess>();
  for (const entry of entries) {
    const [key = '', sites] = entry.split(':', 2);
    table.set(digest(key).toString('hex'), sites === undefined ? ALL_SITES : { sites: new Set(sites.split('|')) });
  }
  return table;
}

export function bearerOf(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/** The access an Authorization header value grants, or undefined for none or an unknown key. */
export function accessOf(table: KeyTable, authorization: unknown): QueryAccess | undefined {
  const key = bearerOf(authorization);
  return key === undefined ? undefined : table.get(digest(key).toString('hex'));
}

export function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

type Zone = 'open' | 'metrics' | 'data' | 'shell';

/**
 * Which rule a path follows. Data: the REST and GraphQL query API. Shell: the dashboard's files and
 * GraphiQL, which hold no data (a browser cannot send a header when navigating to them, so with keys
 * configured they are served to anyone and the data they fetch is what is protected). Open: ingest,
 * the tracker, health and the OpenAPI description.
 */
function zoneOf(url: string): Zone {
  const path = url.split('?', 1)[0] ?? '';
  if (path === '/track' || path === '/track/batch' || path === '/tracker.js' || path === '/healthz' || path === '/readyz') return 'open';
  if (path === '/docs' || path.startsWith('/docs/')) return 'open';
  if (path === '/metrics') return 'metrics';
  if (path === '/graphql' || path === '/analytics' || path.startsWith('/analytics/')) return 'data';
  return 'shell';
}

/**
 * Answered here rather than thrown: mercurius formats errors thrown on /graphql as GraphQL errors
 * with status 200, and a refusal must be a 401/403 on every route alike.
 */
function refuse(reply: FastifyReply, error: ClickstreamError): FastifyReply {
  if (error.code === 'UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer');
  return reply.status(error.status).send(toErrorBody(error));
}

const unauthorized = () => new ClickstreamError('UNAUTHORIZED', 'send Authorization: Bearer <API key>');

/**
 * The query side's gate. With API_KEYS set, data routes need a known key (401 otherwise) and a
 * scoped key reads only its sites (403). With none set, only loopback clients are answered (403),
 * so a fresh install never publishes its analytics. A WebSocket handshake may come without a header
 * (browsers cannot set one); its key is checked in graphql-ws' connectionInit (graphql-plugin.ts).
 */
export function registerQueryAuth(app: FastifyInstance, options: QueryAuthOptions): KeyTable {
  const table = parseApiKeys(options.apiKeys);
  const metricsKey = options.metricsApiKey === undefined ? undefined : digest(options.metricsApiKey);
  const keyed = table.size > 0;
  if (!keyed) app.log.warn('API_KEYS is not set: the query API and dashboard answer loopback clients only');

  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const zone = zoneOf(request.url);
    if (zone === 'open') return;
    if (zone === 'metrics') {
      if (metricsKey === undefined) return;
      const given = bearerOf(request.headers.authorization);
      if (given === undefined || !timingSafeEqual(digest(given), metricsKey)) return refuse(reply, unauthorized());
      return;
    }
    const link = options.sharedLinkAccess?.(bearerOf(request.headers.authorization));
    if (link) return openWithLink(request, reply, link);
    if (!keyed) {
      if (zone === 'shell' && isSharePageFile(request.url)) return;
      if (!isLoopback(request.ip)) return refuse(reply, new ClickstreamError('FORBIDDEN', 'the query API answers loopback clients only until API_KEYS is set'));
      request.queryAccess = ALL_SITES;
      return;
    }
    if (zone === 'shell') return;
    const access = accessOf(table, request.headers.authorization);
    const websocket = request.headers.upgrade?.toLowerCase() === 'websocket';
    if (access === undefined && !(websocket && request.headers.authorization === undefined)) return refuse(reply, unauthorized());
    request.queryAccess = access;
  });

  // After validation, so site_id is the parsed query parameter (or the body's, for the general
  // query and other JSON bodies); the listing filters instead.
  app.addHook('preHandler', async (request) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!path.startsWith('/analytics/') || path === '/analytics/sites') return;
    if ((request.routeOptions.config as { siteFromRecord?: boolean }).siteFromRecord) return;
    const fromBody = (request.body as { site_id?: unknown } | null | undefined)?.site_id;
    const fromQuery = (request.query as { site_id?: unknown } | undefined)?.site_id;
    const siteId = typeof fromBody === 'string' ? fromBody : fromQuery;
    assertSite(request.queryAccess, typeof siteId === 'string' ? siteId : options.defaultSiteId);
  });
  return table;
}

/** What a shared link's page loads before it holds data: open to anyone, even without API_KEYS. */
function isSharePageFile(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return path.startsWith('/share/') || path.startsWith('/assets/') || path === '/favicon.svg';
}

/** A shared link's token: read-only access to its one site (query-access.ts: allowsRequest). */
async function openWithLink(request: FastifyRequest, reply: FastifyReply, link: Promise<QueryAccess>): Promise<FastifyReply | undefined> {
  try {
    request.queryAccess = await link;
  } catch (error) {
    if (isClickstreamError(error)) return refuse(reply, error);
    throw error;
  }
  if (!allowsRequest(request.queryAccess, request.method, request.url.split('?', 1)[0] ?? '')) {
    return refuse(reply, new ClickstreamError('FORBIDDEN', 'a shared link is read-only and shows the dashboard only'));
  }
  return undefined;
}
