import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ClickstreamError, ErrorCodes, errorBodyOf } from '../../src/domain/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually } from '../support/events.js';

/**
 * Property-based hostile input on the ingest path, through the real app: whatever arrives is either
 * refused with a clear 4xx (a JSON error with a code) or stored faithfully — never a 5xx, never a
 * polluted prototype, never a crash.
 */

const BODY_LIMIT = 65_536;
let clickstream: Clickstream;
let app: FastifyInstance;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clickstream-hostile-'));
  clickstream = await startClickstream(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      MAX_BATCH_EVENTS: '50',
    }),
    createLogger('silent'),
  );
  app = clickstream.app;
});
afterAll(async () => {
  await clickstream?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = (url: string, payload: string | Buffer, type = 'application/json') =>
  app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });

/** 2xx, or a 4xx answered as our JSON error; anything else fails the property. */
async function expectHandled(
  url: string,
  payload: string | Buffer,
  type?: string,
): Promise<number> {
  const answer = await post(url, payload, type);
  expect(answer.statusCode, answer.body.slice(0, 300)).toBeLessThan(500);
  if (answer.statusCode >= 400) {
    expect(answer.json()).toMatchObject({
      statusCode: answer.statusCode,
      code: expect.any(String),
      message: expect.any(String),
    });
    expect(CODES, answer.body.slice(0, 300)).toContain(answer.json().code);
  }
  return answer.statusCode;
}

/** The closed list: every error a client sees carries one of these (src/domain/errors.ts). */
const CODES = Object.keys(ErrorCodes);

const URLS = fc.constantFrom('/track', '/track/batch');
const POISON = fc.constantFrom('__proto__', 'constructor', 'prototype');

/** An event with a poisonous key injected at a random depth: top level, in properties, in element, in a batch. */
const poisoned = fc
  .tuple(
    POISON,
    fc.constantFrom('top', 'properties', 'element', 'batch', 'nested'),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map(([key, where, value]) => {
    const inner = `{${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`;
    const base = '"page_url":"/p","event_type":"page_view"';
    switch (where) {
      case 'top':
        return {
          url: '/track',
          body: `{${base},${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`,
        };
      case 'properties':
        return { url: '/track', body: `{${base},"properties":${inner}}` };
      case 'element':
        return { url: '/track', body: `{${base},"element":${inner}}` };
      case 'batch':
        return { url: '/track/batch', body: `{"events":[{${base},"properties":${inner}}]}` };
      default:
        return {
          url: '/track',
          body: `{${base},"properties":{"a":${inner.replace('{', '{"x":{').replace(/}$/, '}}')}}}`,
        };
    }
  });

describe('hostile input on the ingest path (fast-check)', { timeout: 120_000 }, () => {
  it('random JSON values, as either route and either content type, are handled (never 5xx)', async () => {
    await fc.assert(
      fc.asyncProperty(
        URLS,
        fc.jsonValue(),
        fc.constantFrom('application/json', 'text/plain'),
        async (url, value, type) => {
          await expectHandled(url, JSON.stringify(value) ?? 'null', type);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random event-shaped objects (known fields, wrong types) are handled', async () => {
    const field = fc.constantFrom(
      'page_url',
      'event_type',
      'user_id',
      'event_id',
      'timestamp',
      'site_id',
      'session_id',
      'referrer',
      'title',
      'properties',
      'element',
      'scroll_depth',
      'screen',
      'user_agent',
      'ip_address',
    );
    const eventLike = fc.dictionary(field, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 15 });
    await fc.assert(
      fc.asyncProperty(
        URLS,
        fc.array(eventLike, { minLength: 1, maxLength: 5 }),
        async (url, events) => {
          await expectHandled(url, JSON.stringify(url === '/track' ? events[0] : { events }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes, invalid UTF-8 included, are handled', async () => {
    const bytes = fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b));
    const brokenUtf8 = fc
      .string()
      .map((s) =>
        Buffer.concat([
          Buffer.from(
            `{"page_url":"/p","event_type":"page_view","title":"${s.replace(/["\\]/g, '')}`,
          ),
          Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
          Buffer.from('"}'),
        ]),
      );
    await fc.assert(
      fc.asyncProperty(
        URLS,
        fc.oneof(bytes, brokenUtf8),
        fc.constantFrom('application/json', 'text/plain'),
        async (url, payload, type) => {
          await expectHandled(url, payload, type);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('prototype-polluting keys at every level are refused or kept as plain data, and pollute nothing', async () => {
    await fc.assert(
      fc.asyncProperty(poisoned, async ({ url, body }) => {
        await expectHandled(url, body);
        expect(({} as Record<string, unknown>).x).toBeUndefined();
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      { numRuns: 200 },
    );
    expect(
      await expectHandled(
        '/track',
        '{"page_url":"/p","event_type":"page_view","__proto__":{"x":1}}',
      ),
    ).toBe(400);
    expect(
      await expectHandled(
        '/track',
        '{"page_url":"/p","event_type":"page_view","properties":{"constructor":{"prototype":{"x":1}}}}',
      ),
    ).toBe(400);
  });

  it('deep nesting, huge property maps, huge batches and oversized bodies are refused with a 4xx', async () => {
    const deep = (depth: number) =>
      `{"page_url":"/p","event_type":"page_view","properties":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    for (const depth of [100, 5_000, 20_000])
      expect(await expectHandled('/track', deep(depth))).toBe(depth * 2 > BODY_LIMIT ? 413 : 400);
    const huge = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`k${i}`, i]));
    expect(
      await expectHandled(
        '/track',
        JSON.stringify({ page_url: '/p', event_type: 'page_view', properties: huge }),
      ),
    ).toBe(400);
    expect(
      await expectHandled(
        '/track/batch',
        JSON.stringify({
          events: Array.from({ length: 51 }, () => ({ page_url: '/p', event_type: 'page_view' })),
        }),
      ),
    ).toBe(400);
    expect(
      await expectHandled(
        '/track',
        JSON.stringify({ page_url: '/p', event_type: 'page_view', title: 'x'.repeat(BODY_LIMIT) }),
      ),
    ).toBe(413);
  });

  it('valid events with arbitrary property values are stored faithfully', async () => {
    const key = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
    const value = fc.oneof(
      fc.string({ maxLength: 512, unit: 'grapheme' }).filter((s) => s.length <= 512),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
      fc.boolean(),
      fc.constant(null),
    );
    const samples = fc.sample(fc.dictionary(key, value, { maxKeys: 32 }), { numRuns: 25, seed: 7 });
    for (const [i, properties] of samples.entries()) {
      expect(
        await expectHandled(
          '/track',
          JSON.stringify({
            page_url: '/p',
            event_type: 'custom',
            user_id: `faithful-${i}`,
            properties,
          }),
        ),
      ).toBe(202);
    }
    for (const [i, properties] of samples.entries()) {
      const events = await eventually(
        async () =>
          (await app.inject({ url: `/analytics/users/faithful-${i}/events` })).json<{
            events: Array<{ properties?: unknown }>;
          }>().events,
        (e) => e.length === 1,
      );
      expect(events[0]!.properties ?? {}).toEqual(properties);
    }
  });

  it('URLs the router cannot take are answered by the same error edge, with a code of the closed list', async () => {
    for (const [url, statusCode, code] of [
      ['/track/%E0%A4%A', 400, 'BAD_REQUEST'],
      [`/share/${'x'.repeat(500)}`, 414, 'URI_TOO_LONG'],
      ['/no-such-route', 404, 'NOT_FOUND'],
    ] as const) {
      const answer = await app.inject({ method: 'GET', url });
      expect(answer.statusCode, url).toBe(statusCode);
      expect(answer.json(), url).toMatchObject({ statusCode, code, message: expect.any(String) });
    }
  });

  it('a batch without one valid event is refused with the same error body, its rejections beside', async () => {
    const answer = await post('/track/batch', JSON.stringify({ events: [{ page_url: '/x' }] }));
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      ...errorBodyOf(new ClickstreamError('INVALID_EVENT', 'no event in the batch was valid')),
      accepted: 0,
      rejected: [{ index: 0, field: 'event_type', message: 'is required' }],
    });
  });
});
