import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';

/** Ingest stays public but bounded: rate limits per client address, per-site origins, CORS. */

let app: Clickstream;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clickstream-ingest-guards-'));
  app = await startClickstream(loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', INGEST_RATE_LIMIT_PER_MINUTE: '3',
    CORS_ALLOWED_ORIGINS: 'https://www.example.com', SITE_ORIGINS: 'shop=https://shop.example|https://m.shop.example',
  }), createLogger('silent'));
});
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const track = (body: unknown, headers: Record<string, string> = {}, remoteAddress?: string) =>
  app.app.inject({ method: 'POST', url: Array.isArray((body as { events?: unknown }).events) ? '/track/batch' : '/track', remoteAddress, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
const event = (site?: string) => ({ page_url: '/p', event_type: 'page_view', ...(site ? { site_id: site } : {}) });

describe('rate limit per client address', () => {
  it('answers 429 RATE_LIMITED with Retry-After past INGEST_RATE_LIMIT_PER_MINUTE, per address', async () => {
    for (let i = 0; i < 3; i++) expect((await track(event(), {}, '198.51.100.1')).statusCode).toBe(202);
    const limited = await track(event(), {}, '198.51.100.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', statusCode: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await track(event(), {}, '198.51.100.2')).statusCode).toBe(202);
  });

  it('does not limit loopback senders (load generators and sidecars on this machine)', async () => {
    for (let i = 0; i < 6; i++) expect((await track(event())).statusCode).toBe(202);
  });
});

describe('allowed origins per site', () => {
  it("refuses a browser's events for a listed site from another origin (403 ORIGIN_NOT_ALLOWED)", async () => {
    const refused = await track(event('shop'), { origin: 'https://evil.example' }, '192.0.2.1');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED', field: 'site_id' });
    expect((await track({ events: [event('blog'), event('shop')] }, { origin: 'https://evil.example' }, '192.0.2.2')).statusCode).toBe(403);
  });

  it("accepts the site's own origins, sites without a list, and senders without Origin", async () => {
    expect((await track(event('shop'), { origin: 'https://m.shop.example' }, '192.0.2.3')).statusCode).toBe(202);
    expect((await track(event('blog'), { origin: 'https://evil.example' }, '192.0.2.3')).statusCode).toBe(202);
    expect((await track(event('shop'), {}, '192.0.2.3')).statusCode).toBe(202);
  });

  it('lets the per-site origins read ingest answers (CORS), besides CORS_ALLOWED_ORIGINS', async () => {
    const preflight = (origin: string) => app.app.inject({ method: 'OPTIONS', url: '/track/batch', headers: { origin, 'access-control-request-method': 'POST' } });
    expect((await preflight('https://shop.example')).headers['access-control-allow-origin']).toBe('https://shop.example');
    expect((await preflight('https://www.example.com')).headers['access-control-allow-origin']).toBe('https://www.example.com');
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });
});
