import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually } from '../support/events.js';

/**
 * The browser-facing edges of the real app, in-process: /tracker.js with its caching headers,
 * CORS on ingest only, the dashboard at /, the site list and the live REST reads.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const SHOP = 'https://shop.example';

const dirs: string[] = [];
async function start(env: Record<string, string>): Promise<Clickstream> {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-rt-'));
  dirs.push(dir);
  return startClickstream(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }),
    createLogger('silent'),
  );
}

let restricted: Clickstream;
let open: Clickstream;
let noLive: Clickstream;
let app: FastifyInstance;

beforeAll(async () => {
  restricted = await start({ CORS_ALLOWED_ORIGINS: `${SHOP},http://localhost:3000` });
  open = await start({ ROLES: 'ingest' });
  noLive = await start({ ROLES: 'query', LIVE_VIEW: 'false' });
  app = restricted.app;
});

afterAll(async () => {
  await Promise.all([restricted?.stop(), open?.stop(), noLive?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('/tracker.js', () => {
  const built = readFileSync(join(ROOT, 'tracker', 'dist', 'tracker.js'));

  it('serves the built tracker with caching headers, gzipped when accepted', async () => {
    const plain = await app.inject({ method: 'GET', url: '/tracker.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toMatch(/^public, max-age=3600/);
    expect(plain.headers['etag']).toMatch(/^"[\w-]{20,}"$/);
    expect(plain.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(plain.rawPayload.equals(built)).toBe(true);

    const gzipped = await app.inject({
      method: 'GET',
      url: '/tracker.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['vary']).toContain('Accept-Encoding');
    expect(gunzipSync(gzipped.rawPayload).equals(built)).toBe(true);
    expect(gzipped.rawPayload.length).toBeLessThanOrEqual(2048);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await app.inject({ method: 'GET', url: '/tracker.js' });
    const etag = String(first.headers['etag']);
    const again = await app.inject({
      method: 'GET',
      url: '/tracker.js',
      headers: { 'if-none-match': `"other", ${etag}` },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/tracker.js',
          headers: { 'if-none-match': '"stale"' },
        })
      ).statusCode,
    ).toBe(200);
  });
});

describe('CORS', () => {
  const preflight = (target: FastifyInstance, url: string, origin: string) =>
    target.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  it('lets allowed origins post events, with or without a preflight', async () => {
    const pre = await preflight(app, '/track/batch', SHOP);
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(SHOP);
    expect(pre.headers['access-control-allow-methods']).toBe('POST');
    const post = await app.inject({
      method: 'POST',
      url: '/track/batch',
      headers: { origin: SHOP, 'content-type': 'text/plain;charset=UTF-8', 'user-agent': CHROME },
      payload: JSON.stringify({
        events: [{ page_url: `${SHOP}/`, event_type: 'page_view', site_id: 'shop' }],
      }),
    });
    expect(post.statusCode).toBe(202);
    expect(post.headers['access-control-allow-origin']).toBe(SHOP);
    expect(
      (await preflight(app, '/track', 'http://localhost:3000')).headers[
        'access-control-allow-origin'
      ],
    ).toBe('http://localhost:3000');
  });

  it('gives other origins no CORS answer (the browser keeps the response from their scripts)', async () => {
    expect(
      (await preflight(app, '/track/batch', 'https://evil.example')).headers[
        'access-control-allow-origin'
      ],
    ).toBeUndefined();
  });

  it('never opens the query API to other origins', async () => {
    for (const url of ['/graphql', '/analytics/top-pages', '/analytics/live']) {
      const pre = await preflight(app, url, SHOP);
      expect(pre.headers['access-control-allow-origin'], url).toBeUndefined();
    }
    const get = await app.inject({
      method: 'GET',
      url: '/analytics/top-pages',
      headers: { origin: SHOP },
    });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows any origin by default (*)', async () => {
    const pre = await preflight(open.app, '/track/batch', 'https://anyone.example');
    expect(pre.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('dashboard', () => {
  it('serves the built dashboard at /: index revalidated, hashed assets immutable', async () => {
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    expect(script).toBeDefined();
    const asset = await app.inject({ method: 'GET', url: script! });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(index.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"']*\.(js|css)/); // nothing from a CDN
  });

  it('keeps unknown paths as JSON 404s, and only the query role serves the dashboard', async () => {
    const missing = await app.inject({ method: 'GET', url: '/no-such-page' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await open.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
  });
});

describe('sites and the live REST reads', () => {
  it('lists sites with data and reads the last five minutes', async () => {
    await app.inject({
      method: 'POST',
      url: '/track/batch',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME },
      payload: JSON.stringify({
        events: [
          { page_url: '/pricing', event_type: 'page_view', site_id: 'blog', user_id: 'v1' },
          { page_url: '/pricing', event_type: 'signup', site_id: 'blog', user_id: 'v1' },
        ],
      }),
    });
    const sites = await eventually(
      async () =>
        (await app.inject({ method: 'GET', url: '/analytics/sites' })).json().sites as string[],
      (s) => s.includes('blog') && s.includes('shop'),
    );
    expect(sites).toEqual([...sites].sort());
    const live = await eventually(
      async () =>
        (await app.inject({ method: 'GET', url: '/analytics/live?site_id=blog&seconds=5' })).json(),
      (l) => l.events === 2,
    );
    expect(live).toMatchObject({
      pageviews: 1,
      active_visitors: 1,
      pages: [{ page: '/pricing', views: 1 }],
    });
    expect(live.per_second).toHaveLength(5);
    const recent = (
      await app.inject({
        method: 'GET',
        url: '/analytics/live/events?site_id=blog&event_types=signup',
      })
    ).json();
    expect(recent.events.map((e: { event_type: string }) => e.event_type)).toEqual(['signup']);
  });

  it('tells the dashboard whether the live view runs; LIVE_VIEW=false leaves it out', async () => {
    expect((await app.inject({ method: 'GET', url: '/analytics/sites' })).json().live).toBe(true);
    expect((await noLive.app.inject({ method: 'GET', url: '/analytics/sites' })).json()).toEqual({
      sites: ['default'],
      live: false,
    });
    expect((await noLive.app.inject({ method: 'GET', url: '/analytics/live' })).statusCode).toBe(
      404,
    );
    const graphql = await noLive.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: '{ sites liveTotals { events } }' },
    });
    expect(graphql.json().errors[0].message).toMatch(/liveTotals/);
  });

  it('refuses bad live arguments with INVALID_QUERY and the field', async () => {
    const bad = await app.inject({ method: 'GET', url: '/analytics/live?seconds=301' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_QUERY', field: 'seconds' });
    const badSite = await app.inject({
      method: 'GET',
      url: '/analytics/live/events?site_id=Bad%20Site',
    });
    expect(badSite.json()).toMatchObject({ code: 'INVALID_QUERY', field: 'site_id' });
  });
});
