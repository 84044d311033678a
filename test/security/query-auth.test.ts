import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';

/** Who may see what on the query side: API keys, site scopes, loopback-only without keys, /metrics. */

const ADMIN = 'admin-key-0123456789abcdef';
const SHOP = 'shop-key-0123456789abcdef';
const METRICS = 'metrics-key-0123456789abcdef';
const REMOTE = '203.0.113.9';

const dirs: string[] = [];
const running: Clickstream[] = [];
async function start(env: Record<string, string>): Promise<Clickstream> {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-auth-'));
  dirs.push(dir);
  const clickstream = await startClickstream(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }),
    createLogger('silent'),
  );
  running.push(clickstream);
  return clickstream;
}

const call = (
  app: FastifyInstance,
  url: string,
  options: { key?: string; from?: string; method?: InjectOptions['method']; body?: unknown } = {},
) =>
  app.inject({
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    url,
    remoteAddress: options.from,
    headers: {
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    payload: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
const graphql = (app: FastifyInstance, query: string, key?: string) =>
  call(app, '/graphql', { key, body: { query } });

let open: Clickstream;
let keyed: Clickstream;
beforeAll(async () => {
  open = await start({});
  keyed = await start({
    API_KEYS: `${ADMIN},${SHOP}:shop|shop-eu`,
    METRICS_API_KEY: METRICS,
    GRAPHQL_INTROSPECTION: 'false',
  });
});
afterAll(async () => {
  for (const c of running) await c.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('without API keys', () => {
  it('answers loopback clients and refuses everyone else (403), on REST, GraphQL and the dashboard', async () => {
    expect((await call(open.app, '/analytics/top-pages')).statusCode).toBe(200);
    expect((await call(open.app, '/analytics/top-pages', { from: '::1' })).statusCode).toBe(200);
    for (const url of ['/analytics/top-pages', '/analytics/sites', '/']) {
      const answer = await call(open.app, url, { from: REMOTE });
      expect(answer.statusCode, url).toBe(403);
      expect(answer.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(
      (await call(open.app, '/graphql', { from: REMOTE, body: { query: '{ sites }' } })).statusCode,
    ).toBe(403);
  });

  it('keeps ingest, health, /metrics and the OpenAPI document open to anyone', async () => {
    const track = await call(open.app, '/track', {
      from: REMOTE,
      body: { page_url: '/a', event_type: 'page_view' },
    });
    expect(track.statusCode).toBe(202);
    for (const url of ['/healthz', '/metrics', '/docs/json'])
      expect((await call(open.app, url, { from: REMOTE })).statusCode, url).toBe(200);
  });
});

describe('with API keys', () => {
  it('needs a known key on every data route, even from loopback (401 with WWW-Authenticate)', async () => {
    for (const key of [undefined, 'wrong-key-0123456789abcdef']) {
      const answer = await call(keyed.app, '/analytics/top-pages', { key });
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect(answer.json()).toMatchObject({ code: 'UNAUTHORIZED' });
      expect((await graphql(keyed.app, '{ sites }', key)).statusCode).toBe(401);
    }
    expect(
      (await call(keyed.app, '/analytics/top-pages', { key: ADMIN, from: REMOTE })).statusCode,
    ).toBe(200);
    expect(
      (await call(keyed.app, '/analytics/top-pages?site_id=anything', { key: ADMIN })).statusCode,
    ).toBe(200);
  });

  it('serves the dashboard shell without a key: it holds no data, and a navigation cannot send a header', async () => {
    expect((await call(keyed.app, '/', { from: REMOTE })).statusCode).toBe(200);
  });

  it('limits a scoped key to its sites (403 elsewhere, the default site included) on REST', async () => {
    expect(
      (await call(keyed.app, '/analytics/top-pages?site_id=shop', { key: SHOP })).statusCode,
    ).toBe(200);
    expect(
      (await call(keyed.app, '/analytics/sessions?site_id=shop-eu', { key: SHOP })).statusCode,
    ).toBe(200);
    for (const url of [
      '/analytics/top-pages?site_id=blog',
      '/analytics/top-pages',
      '/analytics/page-views/home?site_id=blog',
      '/analytics/users/u1/events?site_id=blog',
      '/analytics/live?site_id=blog',
    ]) {
      const answer = await call(keyed.app, url, { key: SHOP });
      expect(answer.statusCode, url).toBe(403);
      expect(answer.json()).toMatchObject({ code: 'FORBIDDEN', field: 'site_id' });
    }
  });

  it('lists only the sites a key may read', async () => {
    for (const site of ['shop', 'blog'])
      await call(keyed.app, '/track', {
        body: { site_id: site, page_url: '/', event_type: 'page_view' },
      });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const all = (await call(keyed.app, '/analytics/sites', { key: ADMIN })).json<{
      sites: string[];
    }>().sites;
    expect(all).toEqual(expect.arrayContaining(['shop', 'blog']));
    const scoped = (await call(keyed.app, '/analytics/sites', { key: SHOP })).json<{
      sites: string[];
    }>().sites;
    expect(scoped).toContain('shop');
    expect(scoped).not.toContain('blog');
    const viaGraphql = (await graphql(keyed.app, '{ sites }', SHOP)).json<{
      data: { sites: string[] };
    }>().data.sites;
    expect(viaGraphql).toEqual(scoped);
  });

  it('limits a scoped key to its sites on GraphQL, whatever argument names the site', async () => {
    expect(
      (await graphql(keyed.app, '{ pageViews(pageURL: "/", siteId: "shop") }', SHOP)).json(),
    ).toMatchObject({ data: { pageViews: expect.any(Number) } });
    for (const query of [
      '{ pageViews(pageURL: "/", siteId: "blog") }',
      '{ pageViews(pageURL: "/") }',
      '{ topPages(scope: { siteId: "blog" }) { page } }',
      '{ userEvents(userId: "u", siteId: "blog") { nextCursor } }',
      '{ recentEvents(filter: { siteId: "blog" }) { eventId } }',
      '{ liveTotals(siteId: "blog") { events } }',
    ]) {
      const body = (await graphql(keyed.app, query, SHOP)).json<{
        errors?: Array<{ extensions?: { code?: string } }>;
      }>();
      expect(body.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    }
  });

  it('protects erasure like the reads: a key for another site cannot erase', async () => {
    expect(
      (await call(keyed.app, '/analytics/users/u1?site_id=blog', { method: 'DELETE' })).statusCode,
    ).toBe(401);
    expect(
      (await call(keyed.app, '/analytics/users/u1?site_id=blog', { key: SHOP, method: 'DELETE' }))
        .statusCode,
    ).toBe(403);
    const erased = await call(keyed.app, '/analytics/users/u1?site_id=shop', {
      key: SHOP,
      method: 'DELETE',
    });
    expect(erased.statusCode).toBe(200);
    expect(erased.json()).toEqual({ site_id: 'shop', user_id: 'u1', erased_events: 0 });
  });

  it('puts /metrics behind METRICS_API_KEY (a query key does not open it)', async () => {
    expect((await call(keyed.app, '/metrics')).statusCode).toBe(401);
    expect((await call(keyed.app, '/metrics', { key: ADMIN })).statusCode).toBe(401);
    expect((await call(keyed.app, '/metrics', { key: METRICS })).statusCode).toBe(200);
  });

  it('checks the key of a subscription given in connectionInit, and its sites', async () => {
    const subscribe = (connectionParams: Record<string, string>, siteId: string) =>
      new Promise<string>((resolve) => {
        const client = createClient({
          url: keyed.url.replace('http', 'ws') + '/graphql',
          webSocketImpl: WebSocket,
          connectionParams,
          retryAttempts: 0,
          lazy: true,
        });
        const finish = (outcome: string) => {
          void client.dispose();
          resolve(outcome);
        };
        client.subscribe(
          { query: `subscription { liveTotals(siteId: "${siteId}") { events } }` },
          {
            next: () => finish('data'),
            error: (error: unknown) =>
              finish(
                Array.isArray(error)
                  ? String((error[0] as { extensions?: { code?: string } }).extensions?.code)
                  : 'closed',
              ),
            complete: () => finish('complete'),
          },
        );
      });
    expect(await subscribe({ authorization: `Bearer ${SHOP}` }, 'shop')).toBe('data');
    expect(await subscribe({ authorization: `Bearer ${SHOP}` }, 'blog')).toBe('FORBIDDEN');
    expect(await subscribe({ authorization: 'Bearer wrong-key-0123456789abcdef' }, 'shop')).toBe(
      'closed',
    );
    expect(await subscribe({}, 'shop')).toBe('FORBIDDEN');
  });
});

describe('GraphQL limits', () => {
  it('refuses introspection when GRAPHQL_INTROSPECTION=false, and answers it by default', async () => {
    const refused = (await graphql(keyed.app, '{ __schema { queryType { name } } }', ADMIN)).json<{
      errors?: Array<{ message: string }>;
    }>();
    expect(refused.errors?.[0]?.message).toMatch(/introspection is turned off/);
    expect((await graphql(keyed.app, '{ __typename }', ADMIN)).json()).toEqual({
      data: { __typename: 'Query' },
    });
    expect((await graphql(open.app, '{ __schema { queryType { name } } }')).json()).toEqual({
      data: { __schema: { queryType: { name: 'Query' } } },
    });
  });

  it('refuses a range longer than MAX_QUERY_RANGE_DAYS, as REST does', async () => {
    const tooLong = '{ topPages(scope: { from: "2020-01-01", to: "2026-01-01" }) { page } }';
    const body = (await graphql(open.app, tooLong)).json<{
      errors?: Array<{ extensions?: { code?: string } }>;
    }>();
    expect(body.errors?.[0]?.extensions?.code).toBe('INVALID_QUERY');
    expect(
      (await call(open.app, '/analytics/top-pages?from=2020-01-01&to=2026-01-01')).json(),
    ).toMatchObject({ code: 'INVALID_QUERY' });
  });
});
