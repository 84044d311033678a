import type {
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ClickstreamError, isClickstreamError } from '../domain/errors.js';
import { resolveSite, type SiteId } from '../domain/site-id.js';
import {
  ALL_SITES,
  authorize,
  mayCall,
  sharedLinkRefused,
  type QueryAccess,
} from '../query/query-access.js';
import { toErrorBody } from './error-handler.js';

/** Keys are held by digest: the lookup compares digests, so its timing says nothing about a key. */
export type KeyTable = ReadonlyMap<string, QueryAccess>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A query-side route that serves no data (the dashboard's files, GraphiQL): with API_KEYS set
     * it is served to anyone, since a browser cannot send a header when it navigates; the data it
     * fetches is what is protected. Without keys it is loopback-only like the rest of the query side.
     */
    shell?: boolean;
    /** A query-side route that lists sites and filters them by the caller's access itself. */
    siteListing?: boolean;
    /** A route whose record (a goal, a funnel, a link by id) decides the site; the route checks it. */
    siteFromRecord?: boolean;
    /**
     * A shell route a shared link's visitor loads before any data (the shared page, the dashboard's
     * assets, the unlock): served to anyone even without API_KEYS, since it holds no data.
     */
    sharePage?: boolean;
    /**
     * Whether a shared link's token opens this query-side route (query-access.ts: AccessDecision):
     * the dashboard's reads say true; whatever changes data, lists links or shows single visitors
     * says false. Every query route decides (test/security/route-audience.test.ts fails a route
     * that does not); one without a decision is closed to links.
     */
    sharedLink?: boolean;
  }
}

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

export function parseApiKeys(entries: readonly string[]): KeyTable {
  const table = new Map<string, QueryAccess>();
  for (const entry of entries) {
    const [key = '', sites] = entry.split(':', 2);
    table.set(
      digest(key).toString('hex'),
      sites === undefined ? ALL_SITES : { sites: new Set(sites.split('|')), via: 'key' },
    );
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

/**
 * Answered here rather than thrown: mercurius formats errors thrown on /graphql as GraphQL errors
 * with status 200, and a refusal must be a 401/403 on every route alike.
 */
function refuse(reply: FastifyReply, error: ClickstreamError): FastifyReply {
  if (error.code === 'UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer');
  return reply.status(error.status).send(toErrorBody(error));
}

const unauthorized = () =>
  new ClickstreamError('UNAUTHORIZED', 'send Authorization: Bearer <API key>');

/**
 * The query side's gate, an onRequest hook on the whole query plugin: every route registered in
 * it is covered, whoever adds it. With API_KEYS set, a route needs a known key (401 otherwise),
 * except those marked `shell`. With none set, only loopback clients are answered (403), so a fresh
 * install never publishes its analytics. A WebSocket handshake may come without a header (browsers
 * cannot set one); its key is checked in graphql-ws' connectionInit (graphql-plugin.ts).
 */
export function queryAuthentication(
  table: KeyTable,
  sharedLinkAccess?: SharedLinkAccess,
): onRequestAsyncHookHandler {
  const keyed = table.size > 0;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const link = sharedLinkAccess?.(bearerOf(request.headers.authorization));
    if (link) return openWithLink(request, reply, link);
    if (request.routeOptions.config.sharePage === true) return;
    if (!keyed) {
      if (!isLoopback(request.ip))
        return refuse(
          reply,
          new ClickstreamError(
            'FORBIDDEN',
            'the query API answers loopback clients only until API_KEYS is set',
          ),
        );
      request.queryAccess = ALL_SITES;
      return;
    }
    if (request.routeOptions.config.shell === true) return;
    const access = accessOf(table, request.headers.authorization);
    const websocket = request.headers.upgrade?.toLowerCase() === 'websocket';
    if (access === undefined && !(websocket && request.headers.authorization === undefined))
      return refuse(reply, unauthorized());
    request.queryAccess = access;
  };
}

/**
 * The site a REST query route reads, resolved once (`request.siteId`) and authorized against the
 * caller's access and the route's decision (403 otherwise). After validation, so `site_id` is the
 * parsed query parameter, or the body's field for a POST query (whose parser then checks it); a
 * route without one reads the default site, so a route that forgets to name its site fails closed
 * for a scoped key. A listing filters by access itself; a record's route checks the record's site.
 */
export function siteScope(defaultSiteId: SiteId): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest) => {
    const { config } = request.routeOptions;
    if (config.siteListing === true || config.siteFromRecord === true) return;
    const fromQuery = (request.query as { site_id?: unknown } | undefined)?.site_id;
    const fromBody = (request.body as { site_id?: unknown } | null | undefined)?.site_id;
    const named =
      typeof fromQuery === 'string'
        ? fromQuery
        : typeof fromBody === 'string'
          ? fromBody
          : undefined;
    request.siteId = resolveSite(named, defaultSiteId);
    authorize(request.queryAccess, request.siteId, config);
  };
}

/** The read-only access of a shared link's bearer token; undefined when the bearer is no link's. */
export type SharedLinkAccess = (bearer: string | undefined) => Promise<QueryAccess> | undefined;

/** A shared link's token: its one site, on the routes that open to links (`sharedLink`). */
async function openWithLink(
  request: FastifyRequest,
  reply: FastifyReply,
  link: Promise<QueryAccess>,
): Promise<FastifyReply | undefined> {
  try {
    request.queryAccess = await link;
  } catch (error) {
    if (isClickstreamError(error)) return refuse(reply, error);
    throw error;
  }
  // Before the body is read: a route closed to links refuses them whatever site they name.
  if (!mayCall(request.queryAccess, request.routeOptions.config))
    return refuse(reply, sharedLinkRefused());
  return undefined;
}

/**
 * /metrics with METRICS_API_KEY set: that key only (a query key does not open it), on every role,
 * since a process of any role exposes its internals there.
 */
export function metricsKeyCheck(metricsApiKey: string | undefined): onRequestAsyncHookHandler {
  const expected = metricsApiKey === undefined ? undefined : digest(metricsApiKey);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (expected === undefined) return;
    const given = bearerOf(request.headers.authorization);
    if (given === undefined || !timingSafeEqual(digest(given), expected))
      return refuse(reply, unauthorized());
  };
}
