import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { REJECTION_REASONS } from '../../src/observability/pipeline-metrics.js';

/** Ingest stays public but bounded: rate limits per client address, per-site origins, CORS. */

let app: Clickstream;
const dirs: string[] = [];
const others: Clickstream[] = [];
async function start(env: Record<string, string>): Promise<Clickstream> {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-ingest-guards-'));
  dirs.push(dir);
  return startClickstream(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }),
    createLogger('silent'),
  );
}
beforeAll(async () => {
  app = await start({
    INGEST_RATE_LIMIT_PER_MINUTE: '3',
    CORS_ALLOWED_ORIGINS: 'https://www.example.com',
    SITE_ORIGINS: 'shop=https://shop.example|https://m.shop.example',
  });
});
afterAll(async () => {
  await app?.stop();
  for (const other of others) await other.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const track = (body: unknown, headers: Record<string, string> = {}, remoteAddress?: string) =>
  app.app.inject({
    method: 'POST',
    url: Array.isArray((body as { events?: unknown }).events) ? '/track/batch' : '/track',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
const event = (site?: string) => ({
  page_url: '/p',
  event_type: 'page_view',
  ...(site ? { site_id: site } : {}),
});

describe('rate limit per client address', () => {
  it('answers 429 RATE_LIMITED with Retry-After past INGEST_RATE_LIMIT_PER_MINUTE, per address', async () => {
    for (let i = 0; i < 3; i++)
      expect((await track(event(), {}, '198.51.100.1')).statusCode).toBe(202);
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

describe('rate limit behind a gateway (the compose and Helm shape)', () => {
  // The gateway's own address on the compose network; TRUSTED_PROXIES as docker-compose.yml sets it.
  const GATEWAY = '172.18.0.5';
  const viaGateway = (clickstream: Clickstream, client: string) =>
    clickstream.app.inject({
      method: 'POST',
      url: '/track',
      remoteAddress: GATEWAY,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      payload: JSON.stringify(event()),
    });

  it('keys the limit on the client in X-Forwarded-For when the gateway is trusted', async () => {
    const trusting = await start({
      INGEST_RATE_LIMIT_PER_MINUTE: '2',
      TRUSTED_PROXIES: '172.16.0.0/12,192.168.0.0/16,10.0.0.0/8',
    });
    others.push(trusting);
    for (let i = 0; i < 2; i++)
      expect((await viaGateway(trusting, '198.51.100.7')).statusCode).toBe(202);
    expect((await viaGateway(trusting, '198.51.100.7')).statusCode).toBe(429);
    // Another visitor through the same gateway has a budget of their own.
    expect((await viaGateway(trusting, '198.51.100.8')).statusCode).toBe(202);
  });

  it('without TRUSTED_PROXIES every visitor behind the gateway shares one budget (why compose and Helm set it)', async () => {
    const untrusting = await start({ INGEST_RATE_LIMIT_PER_MINUTE: '2' });
    others.push(untrusting);
    for (let i = 0; i < 2; i++)
      expect((await viaGateway(untrusting, `198.51.100.${10 + i}`)).statusCode).toBe(202);
    expect((await viaGateway(untrusting, '198.51.100.20')).statusCode).toBe(429);
  });
});

describe('metric labels come from a closed list', () => {
  it('random unknown field names all count under reason="unknown_field", never as labels of their own', async () => {
    const open = await start({});
    others.push(open);
    const known = new Set(REJECTION_REASONS);
    const names = fc.sample(
      fc
        .string({ minLength: 1, maxLength: 40 })
        .filter((name) => !known.has(name.split('.', 1)[0] ?? name) && !name.startsWith('__')),
      { numRuns: 200, seed: 14 },
    );
    for (const [index, name] of names.entries()) {
      const body = { events: [{ ...event(), [name]: index }] };
      const answer = await open.app.inject({
        method: 'POST',
        url: '/track/batch',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      expect(answer.statusCode, JSON.stringify(name)).toBe(400);
    }
    const text = (await open.app.inject({ method: 'GET', url: '/metrics' })).body;
    const reasons = [
      ...text.matchAll(/^clickstream_ingest_events_rejected_total\{reason="([^"]*)"\} (\d+)/gm),
    ].map((m) => ({ reason: m[1]!, count: Number(m[2]) }));
    expect(reasons.map((r) => r.reason).filter((r) => !known.has(r))).toEqual([]);
    expect(reasons.find((r) => r.reason === 'unknown_field')?.count).toBe(names.length);
  });
});

describe('allowed origins per site', () => {
  it("refuses a browser's events for a listed site from another origin (403 ORIGIN_NOT_ALLOWED)", async () => {
    const refused = await track(event('shop'), { origin: 'https://evil.example' }, '192.0.2.1');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED', field: 'site_id' });
    expect(
      (
        await track(
          { events: [event('blog'), event('shop')] },
          { origin: 'https://evil.example' },
          '192.0.2.2',
        )
      ).statusCode,
    ).toBe(403);
  });

  it("accepts the site's own origins, sites without a list, and senders without Origin", async () => {
    expect(
      (await track(event('shop'), { origin: 'https://m.shop.example' }, '192.0.2.3')).statusCode,
    ).toBe(202);
    expect(
      (await track(event('blog'), { origin: 'https://evil.example' }, '192.0.2.3')).statusCode,
    ).toBe(202);
    expect((await track(event('shop'), {}, '192.0.2.3')).statusCode).toBe(202);
  });

  it('lets the per-site origins read ingest answers (CORS), besides CORS_ALLOWED_ORIGINS', async () => {
    const preflight = (origin: string) =>
      app.app.inject({
        method: 'OPTIONS',
        url: '/track/batch',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    expect((await preflight('https://shop.example')).headers['access-control-allow-origin']).toBe(
      'https://shop.example',
    );
    expect(
      (await preflight('https://www.example.com')).headers['access-control-allow-origin'],
    ).toBe('https://www.example.com');
    expect(
      (await preflight('https://evil.example')).headers['access-control-allow-origin'],
    ).toBeUndefined();
  });
});
