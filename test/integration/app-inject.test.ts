import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually } from '../support/events.js';

/**
 * The real app (SQLite log and store, the processor running) driven through `app.inject`: every
 * route, every bad input, and the seed's three commands word for word.
 */

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const SEED_TRACK =
  '{"user_id":"550e8400-e29b-41d4-a716-446655440000","page_url":"/home","event_type":"click","user_agent":"Mozilla/5.0","ip_address":"192.168.1.1"}';
const SEED_GRAPHQL = '{ "query": "{ pageViews(pageURL: \\"/home\\") }" }';
const MAX_BATCH = 10;

interface Answer {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

const dirs: string[] = [];
async function start(env: Record<string, string>): Promise<Clickstream> {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-inject-'));
  dirs.push(dir);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    ...env,
  });
  return startClickstream(config, createLogger('silent'));
}

async function send(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  url: string,
  payload?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await app.inject({ method, url, payload, headers });
  const type = String(response.headers['content-type'] ?? '');
  return {
    status: response.statusCode,
    body: type.includes('json') ? response.json() : response.body,
    headers: response.headers,
  };
}

const postJson = (
  app: FastifyInstance,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  send(app, 'POST', url, typeof body === 'string' ? body : JSON.stringify(body), {
    'content-type': 'application/json',
    ...headers,
  });
const get = (app: FastifyInstance, url: string) => send(app, 'GET', url);
const graphql = (app: FastifyInstance, query: string) => postJson(app, '/graphql', { query });

let main: Clickstream;
let app: FastifyInstance;
let proxied: Clickstream;

beforeAll(async () => {
  main = await start({ MAX_BATCH_EVENTS: String(MAX_BATCH), GRAPHQL_MAX_DEPTH: '3' });
  app = main.app;
  proxied = await start({ TRUSTED_PROXIES: '127.0.0.1', BODY_LIMIT_BYTES: '2048' });
});

afterAll(async () => {
  await main?.stop();
  await proxied?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the seed commands, word for word', () => {
  const pageViewsRest = async () => (await get(app, '/analytics/page-views/home')).body;
  const pageViewsGraphql = async () => (await postJson(app, '/graphql', SEED_GRAPHQL)).body;

  it('accepts the seed event, and REST and GraphQL agree on the page views of /home', async () => {
    const tracked = await postJson(app, '/track', SEED_TRACK);
    expect(tracked.status).toBe(202);
    expect(tracked.body).toEqual({ accepted: 1, event_id: expect.any(String) });

    // The seed's click is stored (its agent 'Mozilla/5.0' is a bot's) but is not a page view.
    await eventually(
      () => get(app, '/analytics/events?include_bots=true'),
      (r) => r.body.event_types?.some((t: any) => t.event_type === 'click' && t.events === 1),
    );
    const rest = await pageViewsRest();
    expect(rest).toMatchObject({ page: '/home', page_views: 0, events: 0 });
    const gql = await pageViewsGraphql();
    expect(gql.data).toEqual({ pageViews: rest.page_views });

    // A first user must not conclude it is broken: the zeros say why (the bot filter, the event type).
    expect(rest.left_out).toEqual({ bot_events: 1, bot_page_views: 0 });
    expect(rest.note).toMatch(
      /^1 event on \/home came from a bot's user agent .* add include_bots=true to count it\. page_views counts events of type page_view only; 1 event on \/home is of another type/,
    );
    expect(gql.extensions).toEqual({ notes: [rest.note] });
    // With the bots counted, the click is an event and nothing is left out; other queries carry no notes.
    const withBots = (await get(app, '/analytics/page-views/home?include_bots=true')).body;
    expect(withBots).toMatchObject({ page_views: 0, events: 1, left_out: { bot_events: 0 } });
    expect(withBots.note).toMatch(/^page_views counts events of type page_view only/);
    expect(
      (await postJson(app, '/graphql', '{ "query": "{ topPages { page } }" }')).body.extensions,
    ).toBeUndefined();
  });

  it('counts a page view from a real browser in REST and GraphQL', async () => {
    const tracked = await postJson(app, '/track', {
      user_id: '550e8400-e29b-41d4-a716-446655440000',
      page_url: '/home',
      event_type: 'page_view',
      user_agent: CHROME,
    });
    expect(tracked.status).toBe(202);
    const rest = await eventually(pageViewsRest, (body) => body.page_views === 1);
    expect(rest).toMatchObject({ page: '/home', page_views: 1, visitors: 1 });
    // Something counted: nothing to explain, and the seed's GraphQL answer is exactly its shape.
    expect(rest).not.toHaveProperty('note');
    expect(rest).not.toHaveProperty('left_out');
    expect(await pageViewsGraphql()).toEqual({ data: { pageViews: 1 } });
  });

  it('names the page the same with or without slashes', async () => {
    for (const url of [
      '/analytics/page-views/home/',
      '/analytics/page-views?page=/home',
      '/analytics/page-views?page=home',
    ]) {
      expect((await get(app, url)).body).toMatchObject({ page: '/home', page_views: 1 });
    }
  });
});

describe('POST /track', () => {
  it('counts a nested page', async () => {
    const tracked = await postJson(app, '/track', {
      page_url: 'https://example.com/blog/post-1/?utm_source=news',
      event_type: 'pageview',
      user_agent: CHROME,
      site_id: 'nested',
    });
    expect(tracked.status).toBe(202);
    const answer = await eventually(
      () => get(app, '/analytics/page-views/blog/post-1?site_id=nested'),
      (r) => r.body.page_views === 1,
    );
    expect(answer.body).toMatchObject({ site_id: 'nested', page: '/blog/post-1', page_views: 1 });
    expect(
      (await get(app, '/analytics/page-views?site_id=nested&page=/blog/post-1')).body.page_views,
    ).toBe(1);
    expect((await get(app, '/analytics/utm-sources?site_id=nested')).body.rows).toEqual([
      { value: 'news', pageviews: 1, events: 1 },
    ]);
  });

  it('accepts a text/plain body, as navigator.sendBeacon sends it', async () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8']) {
      const answer = await send(
        app,
        'POST',
        '/track',
        JSON.stringify({ page_url: '/beacon', event_type: 'page_view', site_id: 'beacon' }),
        { 'content-type': type, 'user-agent': CHROME },
      );
      expect(answer.status).toBe(202);
    }
    await eventually(
      () => get(app, '/analytics/page-views/beacon?site_id=beacon'),
      (r) => r.body.page_views === 2,
    );
  });

  it('makes a retry with the same event_id count once', async () => {
    const event = {
      event_id: 'retry-event-0001',
      page_url: '/retry',
      event_type: 'page_view',
      user_agent: CHROME,
      site_id: 'retry',
    };
    expect((await postJson(app, '/track', event)).status).toBe(202);
    expect((await postJson(app, '/track', event)).status).toBe(202);
    await eventually(
      () => get(app, '/analytics/events?site_id=retry'),
      (r) => r.body.event_types.length === 1,
    );
    // The marker has the same visitor, hence the same log partition: once it counts, both copies were processed.
    const marker = {
      page_url: '/marker',
      event_type: 'page_view',
      user_agent: CHROME,
      site_id: 'retry',
    };
    expect((await postJson(app, '/track', marker)).status).toBe(202);
    await eventually(
      () => get(app, '/analytics/page-views/marker?site_id=retry'),
      (r) => r.body.page_views === 1,
    );
    expect((await get(app, '/analytics/page-views/retry?site_id=retry')).body.page_views).toBe(1);
  });

  it.each([
    ['malformed JSON', '{"page_url": "/home", ', 400, { code: 'INVALID_JSON' }],
    ['an empty body', '', 400, { code: 'INVALID_JSON' }],
    ['a JSON array', '[]', 400, { field: 'event' }],
    ['JSON null', 'null', 400, { field: 'event' }],
    [
      'a missing page_url',
      '{"event_type":"click"}',
      400,
      { code: 'INVALID_EVENT', field: 'page_url', message: 'page_url is required' },
    ],
    ['a missing event_type', '{"page_url":"/home"}', 400, { field: 'event_type' }],
    ['a wrong type', '{"page_url":"/home","event_type":5}', 400, { field: 'event_type' }],
    [
      'an unknown field',
      '{"pageurl":"/home","page_url":"/home","event_type":"click"}',
      400,
      { field: 'pageurl', message: 'pageurl is not a known field' },
    ],
    [
      'a page_url that is no path',
      '{"page_url":"home","event_type":"click"}',
      400,
      { field: 'page_url' },
    ],
    [
      'a bad ip_address',
      '{"page_url":"/home","event_type":"click","ip_address":"1.2.3"}',
      400,
      { field: 'ip_address' },
    ],
    [
      'a scroll_depth over 100',
      '{"page_url":"/home","event_type":"scroll","scroll_depth":101}',
      400,
      { field: 'scroll_depth' },
    ],
    [
      'a timestamp without zone',
      '{"page_url":"/home","event_type":"click","timestamp":"2026-01-01T00:00:00"}',
      400,
      { field: 'timestamp' },
    ],
    [
      '__proto__ at the top',
      '{"page_url":"/home","event_type":"click","__proto__":{"polluted":true}}',
      400,
      { code: 'INVALID_JSON' },
    ],
    [
      '__proto__ in properties',
      '{"page_url":"/home","event_type":"click","properties":{"__proto__":{"x":1}}}',
      400,
      { code: 'INVALID_JSON' },
    ],
    [
      'constructor.prototype',
      '{"page_url":"/home","event_type":"click","constructor":{"prototype":{"x":1}}}',
      400,
      { code: 'INVALID_JSON' },
    ],
  ])('refuses %s with a 4xx naming the problem', async (_name, payload, status, expected) => {
    const answer = await postJson(app, '/track', payload);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ statusCode: status, ...expected });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a timestamp in the future or too old', async () => {
    const future = await postJson(app, '/track', {
      page_url: '/home',
      event_type: 'click',
      timestamp: Date.now() + 3_600_000,
    });
    expect(future).toMatchObject({ status: 400, body: { field: 'timestamp' } });
    const old = await postJson(app, '/track', {
      page_url: '/home',
      event_type: 'click',
      timestamp: new Date(Date.now() - 30 * 86_400_000).toISOString(),
    });
    expect(old).toMatchObject({ status: 400, body: { field: 'timestamp' } });
  });

  it('refuses an unknown content type with 415', async () => {
    const answer = await send(app, 'POST', '/track', '<event/>', {
      'content-type': 'application/xml',
    });
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413', async () => {
    const big = JSON.stringify({ page_url: '/home', event_type: 'click', title: 'x'.repeat(3000) });
    for (const url of ['/track', '/track/batch']) {
      const answer = await postJson(proxied.app, url, big);
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    }
  });
});

describe('POST /track/batch', () => {
  it('accepts the good events and names each bad one by index, field and rule', async () => {
    const answer = await postJson(app, '/track/batch', {
      events: [
        { page_url: '/batch', event_type: 'page_view', site_id: 'batch', user_agent: CHROME },
        { event_type: 'click', site_id: 'batch' },
        { page_url: '/batch', event_type: 'click', site_id: 'batch', user_agent: CHROME },
        'not an event',
        {
          page_url: '/batch',
          event_type: 'click',
          site_id: 'batch',
          timestamp: Date.now() + 86_400_000,
        },
      ],
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, field: 'page_url', message: 'is required' },
        { index: 3, field: 'event', message: 'must be a JSON object' },
        { index: 4, field: 'timestamp', message: expect.stringContaining('future') },
      ],
    });
    const counts = await eventually(
      () => get(app, '/analytics/events?site_id=batch'),
      (r) => r.body.event_types.length === 2,
    );
    expect(counts.body.event_types).toEqual([
      { event_type: 'click', events: 1 },
      { event_type: 'page_view', events: 1 },
    ]);
  });

  it('takes a bare array too', async () => {
    const answer = await postJson(app, '/track/batch', [
      { page_url: '/bare', event_type: 'click', site_id: 'batch-bare' },
    ]);
    expect(answer).toMatchObject({ status: 202, body: { accepted: 1, rejected: [] } });
  });

  it('answers 400 when no event is valid, still naming each', async () => {
    const answer = await postJson(app, '/track/batch', {
      events: [{ page_url: '/x' }, { event_type: 'click' }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'INVALID_EVENT',
      accepted: 0,
      rejected: [
        { index: 0, field: 'event_type' },
        { index: 1, field: 'page_url' },
      ],
    });
  });

  it.each([
    [
      'more than MAX_BATCH_EVENTS events',
      {
        events: Array.from({ length: MAX_BATCH + 1 }, () => ({
          page_url: '/x',
          event_type: 'click',
        })),
      },
    ],
    ['no events', { events: [] }],
    ['events that are not an array', { events: 'many' }],
    ['no events field', { page_url: '/x', event_type: 'click' }],
  ])('refuses %s on field events', async (_name, body) => {
    const answer = await postJson(app, '/track/batch', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field: 'events' });
  });

  it('refuses malformed JSON', async () => {
    expect((await postJson(app, '/track/batch', '{"events": [')).body).toMatchObject({
      statusCode: 400,
      code: 'INVALID_JSON',
    });
  });
});

describe('the query API over a known data set', () => {
  const site = 'shape';
  const t0 = Date.now() - 20 * 60_000;
  const event = (
    user: string,
    type: string,
    page: string,
    offsetMs: number,
    extra: Record<string, unknown> = {},
  ) => ({
    site_id: site,
    user_id: user,
    event_type: type,
    page_url: page,
    timestamp: t0 + offsetMs,
    user_agent: CHROME,
    ...extra,
  });

  beforeAll(async () => {
    const answer = await postJson(app, '/track/batch', [
      event('u1', 'page_view', '/a', 0, { referrer: 'https://www.google.com/search?q=x' }),
      event('u1', 'click', '/a', 1_000),
      event('u2', 'page_view', '/a', 0, {
        user_agent: IPHONE,
        referrer: 'https://news.ycombinator.com/item?id=1',
      }),
      event('u2', 'page_view', '/b', 60_000, { user_agent: IPHONE }),
      event('u2', 'scroll', '/b', 70_000, { user_agent: IPHONE, scroll_depth: 75 }),
      event('u3', 'page_view', '/c', 0),
      event('bot', 'page_view', '/a', 0, { user_agent: GOOGLEBOT }),
    ]);
    expect(answer.body).toEqual({ accepted: 7, rejected: [] });
    await eventually(
      () => get(app, `/analytics/events?site_id=${site}&include_bots=true`),
      (r) => r.body.event_types.reduce((n: number, t: any) => n + t.events, 0) === 7,
    );
  });

  it('GET /analytics/top-pages', async () => {
    const answer = await get(app, `/analytics/top-pages?site_id=${site}`);
    expect(answer.status).toBe(200);
    expect(answer.body.pages).toEqual([
      { page: '/a', pageviews: 2, visitors: 2 },
      { page: '/b', pageviews: 1, visitors: 1 },
      { page: '/c', pageviews: 1, visitors: 1 },
    ]);
    expect(
      (await get(app, `/analytics/top-pages?site_id=${site}&limit=1`)).body.pages,
    ).toHaveLength(1);
    expect(
      (await get(app, `/analytics/top-pages?site_id=${site}&include_bots=true`)).body.pages[0],
    ).toEqual({ page: '/a', pageviews: 3, visitors: 3 });
  });

  it('GET /analytics/events', async () => {
    expect((await get(app, `/analytics/events?site_id=${site}`)).body.event_types).toEqual([
      { event_type: 'page_view', events: 4 },
      { event_type: 'click', events: 1 },
      { event_type: 'scroll', events: 1 },
    ]);
  });

  it('GET /analytics/unique-visitors', async () => {
    expect((await get(app, `/analytics/unique-visitors?site_id=${site}`)).body).toMatchObject({
      visitors: 3,
      page: null,
    });
    expect(
      (await get(app, `/analytics/unique-visitors?site_id=${site}&page=/a`)).body,
    ).toMatchObject({ visitors: 2, page: '/a' });
    expect(
      (await get(app, `/analytics/unique-visitors?site_id=${site}&include_bots=true`)).body
        .visitors,
    ).toBe(4);
  });

  it('GET /analytics/sessions', async () => {
    const answer = await get(app, `/analytics/sessions?site_id=${site}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      sessions: 3,
      bounce_rate: 0.3333,
      avg_duration_ms: Math.round(71_000 / 3),
    });
  });

  it('GET /analytics/timeseries by minute, hour and day', async () => {
    const sum = (points: any[], metric: string) => points.reduce((n, p) => n + p[metric], 0);
    const hourly = await get(
      app,
      `/analytics/timeseries?site_id=${site}&interval=hour&metrics=pageviews,events,visitors`,
    );
    expect(hourly.status).toBe(200);
    expect(hourly.body.interval).toBe('hour');
    expect(Object.keys(hourly.body.points[0]).sort()).toEqual([
      'events',
      'pageviews',
      'time',
      'visitors',
    ]);
    expect(sum(hourly.body.points, 'pageviews')).toBe(4);
    expect(sum(hourly.body.points, 'events')).toBe(6);

    const daily = await get(
      app,
      `/analytics/timeseries?site_id=${site}&interval=day&metrics=sessions,bounce_rate`,
    );
    expect(daily.body.points.length).toBeGreaterThanOrEqual(30);
    expect(sum(daily.body.points, 'sessions')).toBe(3);

    const from = new Date(t0 - 30 * 60_000).toISOString();
    const minutes = await get(
      app,
      `/analytics/timeseries?site_id=${site}&interval=minute&metrics=pageviews&from=${from}`,
    );
    expect(minutes.status).toBe(200);
    expect(minutes.body.points.length).toBeGreaterThanOrEqual(50);
    expect(sum(minutes.body.points, 'pageviews')).toBe(4);
    const first = minutes.body.points.find((p: any) => p.pageviews > 0);
    expect(first).toEqual({
      time: new Date(Math.floor(t0 / 60_000) * 60_000).toISOString(),
      pageviews: 3,
    });

    const paged = await get(
      app,
      `/analytics/timeseries?site_id=${site}&interval=day&metrics=pageviews&page=/a`,
    );
    expect(sum(paged.body.points, 'pageviews')).toBe(2);
  });

  it('GET /analytics/timeseries refuses bad intervals and metrics', async () => {
    expect((await get(app, `/analytics/timeseries?interval=week`)).body).toMatchObject({
      statusCode: 400,
      field: 'interval',
    });
    expect((await get(app, `/analytics/timeseries?metrics=pageviews,bogus`)).body).toMatchObject({
      statusCode: 400,
      field: 'metrics',
    });
    expect((await get(app, `/analytics/timeseries?metrics=`)).body).toMatchObject({
      statusCode: 400,
      field: 'metrics',
    });
    // Without `from` a minute series covers the last day; a 30-day minute series is too long.
    const minutes = await get(app, `/analytics/timeseries?interval=minute`);
    expect(minutes.body.points).toHaveLength(1440);
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
    expect(
      (await get(app, `/analytics/timeseries?interval=minute&from=${monthAgo}`)).body,
    ).toMatchObject({ statusCode: 400, field: 'interval' });
    // Raw events answer any metric at any interval, visitors by the minute too.
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const visitors = await get(
      app,
      `/analytics/timeseries?interval=minute&metrics=visitors&from=${from}`,
    );
    expect(visitors.status).toBe(200);
    expect(visitors.body.points.length).toBeGreaterThanOrEqual(60);
  });

  it('GET /analytics/referrers, browsers, os and devices', async () => {
    const rows = async (path: string) =>
      Object.fromEntries(
        (await get(app, `/analytics/${path}?site_id=${site}`)).body.rows.map((r: any) => [
          r.value,
          { pageviews: r.pageviews, events: r.events },
        ]),
      );
    // By the visit's source: u1's click belongs to the visit that came from google.com.
    expect(await rows('referrers')).toEqual({
      '(direct)': { pageviews: 1, events: 1 },
      'google.com': { pageviews: 1, events: 2 },
      'news.ycombinator.com': { pageviews: 2, events: 3 },
    });
    expect(await rows('browsers')).toEqual({
      Chrome: { pageviews: 2, events: 3 },
      'Mobile Safari': { pageviews: 2, events: 3 },
    });
    expect(await rows('os')).toEqual({
      Windows: { pageviews: 2, events: 3 },
      iOS: { pageviews: 2, events: 3 },
    });
    expect(await rows('devices')).toEqual({
      desktop: { pageviews: 2, events: 3 },
      mobile: { pageviews: 2, events: 3 },
    });
  });

  it('GET /analytics/users/:id/events, newest first', async () => {
    const answer = await get(app, `/analytics/users/u2/events?site_id=${site}`);
    expect(answer.body.user_id).toBe('u2');
    expect(answer.body.events.map((e: any) => e.event_type)).toEqual([
      'scroll',
      'page_view',
      'page_view',
    ]);
    expect(answer.body.events[0]).toMatchObject({
      page: '/b',
      scroll_depth: 75,
      device: 'mobile',
      os: 'iOS',
    });
    expect(answer.body.next_cursor).toBeNull();
  });

  it('GraphQL answers the typed queries as REST does', async () => {
    const scope = `scope: { siteId: "${site}" }`;
    const answer = await graphql(
      app,
      `{
      topPages(${scope}) { page pageviews visitors }
      eventCounts(${scope}) { eventType events }
      browsers: breakdown(dimension: browser, ${scope}) { value pageviews events }
      sessions(${scope}) { sessions bounceRate avgDurationMs }
      uniqueVisitors(pageURL: "/a", ${scope})
      pageEvents(pageURL: "/b", ${scope})
      timeseries(interval: day, metrics: [pageviews, visitors], ${scope}) { time pageviews visitors }
      userEvents(userId: "u1", siteId: "${site}") { events { eventType page browser isBot } nextCursor }
    }`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const data = answer.body.data;
    expect(data.topPages).toEqual(
      (await get(app, `/analytics/top-pages?site_id=${site}`)).body.pages,
    );
    expect(data.eventCounts).toEqual([
      { eventType: 'page_view', events: 4 },
      { eventType: 'click', events: 1 },
      { eventType: 'scroll', events: 1 },
    ]);
    expect(data.browsers).toEqual(
      (await get(app, `/analytics/browsers?site_id=${site}`)).body.rows,
    );
    expect(data.sessions).toEqual({
      sessions: 3,
      bounceRate: 0.3333,
      avgDurationMs: Math.round(71_000 / 3),
    });
    expect(data.uniqueVisitors).toBe(2);
    expect(data.pageEvents).toBe(2);
    expect(data.timeseries.reduce((n: number, p: any) => n + p.pageviews, 0)).toBe(4);
    expect(data.userEvents).toEqual({
      events: [
        { eventType: 'click', page: '/a', browser: 'Chrome', isBot: false },
        { eventType: 'page_view', page: '/a', browser: 'Chrome', isBot: false },
      ],
      nextCursor: null,
    });
    expect(
      (await graphql(app, `{ pageViews(pageURL: "/a", siteId: "${site}", includeBots: true) }`))
        .body,
    ).toEqual({ data: { pageViews: 3 } });
  });
});

describe('one user’s events, cursor-paginated', () => {
  it('walks every event once, newest first', async () => {
    const t0 = Date.now() - 60_000;
    const events = Array.from({ length: 5 }, (_, i) => ({
      user_id: 'pager',
      site_id: 'pages',
      page_url: `/p${i}`,
      event_type: 'page_view',
      timestamp: t0 + i * 1_000,
      user_agent: CHROME,
    }));
    expect((await postJson(app, '/track/batch', events)).body.accepted).toBe(5);
    await eventually(
      () => get(app, '/analytics/users/pager/events?site_id=pages'),
      (r) => r.body.events.length === 5,
    );

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const answer: Answer = await get(
        app,
        `/analytics/users/pager/events?site_id=pages&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(answer.status).toBe(200);
      pages.push(answer.body.events.map((e: any) => e.page));
      cursor = answer.body.next_cursor;
    } while (cursor && pages.length < 10);
    expect(pages).toEqual([['/p4', '/p3'], ['/p2', '/p1'], ['/p0']]);

    const gqlFirst = await graphql(
      app,
      '{ userEvents(userId: "pager", siteId: "pages", limit: 3) { events { page } nextCursor } }',
    );
    const next = gqlFirst.body.data.userEvents.nextCursor as string;
    const gqlSecond = await graphql(
      app,
      `{ userEvents(userId: "pager", siteId: "pages", limit: 3, cursor: "${next}") { events { page } nextCursor } }`,
    );
    expect(
      [...gqlFirst.body.data.userEvents.events, ...gqlSecond.body.data.userEvents.events].map(
        (e: any) => e.page,
      ),
    ).toEqual(['/p4', '/p3', '/p2', '/p1', '/p0']);
    expect(gqlSecond.body.data.userEvents.nextCursor).toBeNull();
  });

  it('refuses a forged cursor and a bad limit', async () => {
    expect((await get(app, '/analytics/users/pager/events?cursor=garbage')).body).toMatchObject({
      statusCode: 400,
      field: 'cursor',
    });
    expect((await get(app, '/analytics/users/pager/events?limit=0')).body).toMatchObject({
      statusCode: 400,
      field: 'limit',
    });
    expect((await get(app, '/analytics/users/pager/events?limit=abc')).body).toMatchObject({
      statusCode: 400,
      field: 'limit',
    });
  });
});

describe('range validation on every GET', () => {
  const routes = [
    '/analytics/page-views/home',
    '/analytics/timeseries',
    '/analytics/top-pages',
    '/analytics/events',
    '/analytics/unique-visitors',
    '/analytics/sessions',
    '/analytics/referrers',
    '/analytics/browsers',
    '/analytics/os',
    '/analytics/devices',
  ];

  it.each(routes)(
    '%s refuses from after to, too long a span, and garbage dates, naming the field',
    async (route) => {
      const cases: [string, string][] = [
        ['from=2026-02-01&to=2026-01-01', 'from'],
        ['from=2020-01-01&to=2026-01-01', 'from'],
        ['from=yesterday', 'from'],
        ['to=tomorrow', 'to'],
        ['from=2026-01-01T00:00:00', 'from'],
      ];
      for (const [query, field] of cases) {
        const answer = await get(app, `${route}?${query}`);
        expect(answer.status, `${route}?${query}`).toBe(400);
        expect(answer.body, `${route}?${query}`).toMatchObject({ code: 'INVALID_QUERY', field });
      }
    },
  );

  it('accepts date-only and epoch ranges', async () => {
    const to = Date.now();
    const answer = await get(
      app,
      `/analytics/top-pages?from=${new Date(to - 86_400_000).toISOString().slice(0, 10)}&to=${to}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.from).toMatch(/T00:00:00\.000Z$/);
  });

  it('names an unknown or mistyped query parameter', async () => {
    expect((await get(app, '/analytics/top-pages?limt=5')).body).toMatchObject({
      statusCode: 400,
      field: 'limt',
    });
    expect((await get(app, '/analytics/top-pages?limit=5000')).body).toMatchObject({
      statusCode: 400,
      field: 'limit',
    });
    expect((await get(app, '/analytics/top-pages?include_bots=maybe')).body).toMatchObject({
      statusCode: 400,
      field: 'include_bots',
    });
    expect((await get(app, '/analytics/top-pages?site_id=Bad%20Site')).body).toMatchObject({
      statusCode: 400,
      field: 'site_id',
    });
  });
});

describe('GraphQL limits and errors', () => {
  it('refuses a query deeper than GRAPHQL_MAX_DEPTH', async () => {
    expect(
      (await graphql(app, '{ userEvents(userId: "u1") { events { eventId } } }')).body.errors,
    ).toBeUndefined();
    const answer = await graphql(
      app,
      '{ userEvents(userId: "u1") { events { element { tag } } } }',
    );
    expect(answer.body.data ?? null).toBeNull();
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].message).toMatch(/depth \(4\) exceeds the query depth limit of 3/);
  });

  it('refuses a query that selects more fields than GRAPHQL_MAX_COST, aliases included', async () => {
    const aliases = Array.from(
      { length: 101 },
      (_, i) => `a${i}: pageViews(pageURL: "/home")`,
    ).join(' ');
    const answer = await graphql(app, `{ ${aliases} }`);
    expect(answer.status).toBe(400);
    expect(answer.body.data ?? null).toBeNull();
    expect(answer.body.errors[0].message).toContain('more than 100 fields');
    const fine = await graphql(
      app,
      `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: pageViews(pageURL: "/home")`).join(' ')} }`,
    );
    expect(fine.body.errors).toBeUndefined();
  });

  it.each([
    ['a garbage date', '{ pageViews(pageURL: "/home", from: "yesterday") }', 'from'],
    [
      'from after to',
      '{ pageViews(pageURL: "/home", from: "2026-02-01", to: "2026-01-01") }',
      'from',
    ],
    ['a limit of 0', '{ topPages(limit: 0) { page } }', 'limit'],
    ['a forged cursor', '{ userEvents(userId: "u1", cursor: "nope") { nextCursor } }', 'cursor'],
    [
      'a minute series over a month',
      '{ timeseries(interval: minute, metrics: [visitors], scope: { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }) { time } }',
      'interval',
    ],
  ])('answers %s with extensions.code INVALID_QUERY', async (_name, query, field) => {
    const answer = await graphql(app, query);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'INVALID_QUERY', field });
  });

  it('refuses a query that does not fit the schema', async () => {
    const missing = await graphql(app, '{ pageViews }');
    expect(missing.status, JSON.stringify(missing.body)).toBe(400);
    expect(missing.body.errors[0].message).toContain('pageURL');
    const unknown = await graphql(app, '{ nope }');
    expect(unknown.status, JSON.stringify(unknown.body)).toBe(400);
    expect(unknown.body.errors[0].message).toContain('nope');
  });
});

describe('documentation, metrics and health', () => {
  it('serves the OpenAPI UI at /docs', async () => {
    let answer = await get(app, '/docs');
    if (answer.status >= 300 && answer.status < 400)
      answer = await get(app, new URL(String(answer.headers.location), 'http://x/docs/').pathname);
    expect(answer.status).toBe(200);
    expect(String(answer.body)).toMatch(/swagger/i);
  });

  it('serves a valid OpenAPI 3 document at /docs/json', async () => {
    const answer = await get(app, '/docs/json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toMatch(/^3\./);
    expect(answer.body.info).toMatchObject({ title: 'Clickstream' });
    expect(Object.keys(answer.body.paths)).toEqual(
      expect.arrayContaining([
        '/track',
        '/track/batch',
        '/analytics/top-pages',
        '/analytics/timeseries',
      ]),
    );
    expect(answer.body.paths['/track'].post).toBeDefined();
    expect(answer.body.paths['/analytics/top-pages'].get).toBeDefined();
  });

  it('keeps the OpenAPI document well-formed: operations answer, parameters are named, references resolve', async () => {
    const doc = (await get(app, '/docs/json')).body;
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const problems: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/')) problems.push(`path ${path}`);
      for (const [method, operation] of Object.entries<any>(item)) {
        if (Object.keys(operation.responses ?? {}).length === 0)
          problems.push(`${method} ${path} has no responses`);
        for (const parameter of operation.parameters ?? []) {
          if (
            typeof parameter.name !== 'string' ||
            !['query', 'path', 'header', 'cookie'].includes(parameter.in)
          )
            problems.push(`${method} ${path} parameter ${JSON.stringify(parameter)}`);
        }
      }
    }
    for (const [, ref] of JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)) {
      const target = ref!
        .replace(/^#\//, '')
        .split('/')
        .reduce<any>((node, key) => node?.[key], doc);
      if (!ref!.startsWith('#/') || target === undefined) problems.push(`unresolved $ref ${ref}`);
    }
    expect(problems).toEqual([]);
  });

  it('exposes Prometheus metrics', async () => {
    const answer = await get(app, '/metrics');
    expect(answer.status).toBe(200);
    expect(String(answer.headers['content-type'])).toMatch(/^text\/plain/);
    const text = String(answer.body);
    expect(text).toMatch(/^clickstream_ingest_events_accepted_total \d+/m);
    expect(text).toContain('clickstream_http_request_duration_seconds_bucket{');
    expect(text).toMatch(
      /clickstream_http_request_duration_seconds_count\{[^}]*route="\/track"[^}]*\} \d+/,
    );
  });

  it('answers /healthz and /readyz', async () => {
    expect(await get(app, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get(app, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('answers an unknown route with a coded 404', async () => {
    expect(await get(app, '/nope')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});

describe('client address', () => {
  const track = (target: Clickstream, user: string) =>
    postJson(
      target.app,
      '/track',
      { user_id: user, page_url: '/ip', event_type: 'page_view', user_agent: CHROME },
      { 'x-forwarded-for': '203.0.113.9' },
    );
  const storedEvent = async (target: Clickstream, user: string) =>
    (
      await eventually(
        () => get(target.app, `/analytics/users/${user}/events`),
        (r) => r.body.events?.length === 1,
      )
    ).body.events[0];

  it('ignores X-Forwarded-For by default: the prefix is the socket address', async () => {
    expect((await track(main, 'xff-default')).status).toBe(202);
    const event = await storedEvent(main, 'xff-default');
    expect(event.ip_prefix).toBe('127.0.0.0');
  });

  it('honours X-Forwarded-For from a trusted proxy, and stores only the prefix', async () => {
    expect((await track(proxied, 'xff-trusted')).status).toBe(202);
    const event = await storedEvent(proxied, 'xff-trusted');
    expect(event.ip_prefix).toBe('203.0.113.0');
    expect(JSON.stringify(event)).not.toContain('203.0.113.9');
  });

  it('never stores the seed’s raw ip_address', async () => {
    const answer = await get(app, '/analytics/users/550e8400-e29b-41d4-a716-446655440000/events');
    expect(answer.body.events.length).toBeGreaterThan(0);
    expect(JSON.stringify(answer.body)).not.toContain('192.168.1.1');
    expect(answer.body.events.find((e: any) => e.event_type === 'click')).toMatchObject({
      ip_prefix: '192.168.1.0',
      is_bot: true,
    });
  });
});
