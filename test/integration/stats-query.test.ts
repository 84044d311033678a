import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually } from '../support/events.js';

/**
 * POST /analytics/query and GraphQL `analytics(query:)` through the real app (embedded log and
 * store, processor running): answers, every kind of bad query, and site-scoped keys.
 */
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const SITE = 'stats.example';
const KEY_ALL = 'all-sites-key-0123456789';
const KEY_OTHER = 'other-site-key-0123456789';
const DAY = 86_400_000;
/** Yesterday at noon UTC: inside `7d` in any zone, and far from midnight. */
const T0 = Math.floor(Date.now() / DAY) * DAY - DAY + 12 * 3_600_000;
const DATE = new Date(T0).toISOString().slice(0, 10);

let clickstream: Clickstream;
let app: FastifyInstance;

const post = async (url: string, body: unknown, key = KEY_ALL) => {
  const response = await app.inject({
    method: 'POST',
    url,
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  });
  return { status: response.statusCode, body: response.json() };
};
const query = (body: Record<string, unknown>, key?: string) =>
  post('/analytics/query', { site_id: SITE, date_range: [DATE, DATE], ...body }, key);
const graphql = (text: string, key?: string) => post('/graphql', { query: text }, key);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-stats-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    API_KEYS: `${KEY_ALL},${KEY_OTHER}:other.example`,
  });
  clickstream = await startClickstream(config, createLogger('silent'));
  app = clickstream.app;
  const event = (
    user: string,
    type: string,
    page: string,
    offset: number,
    extra: Record<string, unknown> = {},
  ) => ({
    site_id: SITE,
    user_id: user,
    event_type: type,
    page_url: `https://stats.example${page}`,
    timestamp: T0 + offset,
    user_agent: FIREFOX,
    ...extra,
  });
  const batch = await post('/track/batch', {
    events: [
      event('u1', 'page_view', '/', 0, { referrer: 'https://www.google.com/search?q=x' }),
      event('u1', 'page_view', '/pricing', 60_000),
      event('u1', 'signup', '/pricing', 90_000, { properties: { plan: 'pro' } }),
      event('u2', 'page_view', '/', 0, {
        user_agent: IPHONE,
        referrer: 'https://news.ycombinator.com/item?id=1',
      }),
      event('u2', 'scroll', '/', 10_000, { user_agent: IPHONE, scroll_depth: 50 }),
      event('u3', 'page_view', '/pricing', 0, {
        page_url: 'https://stats.example/pricing?utm_source=newsletter&utm_medium=email',
      }),
    ],
  });
  expect(batch.body).toMatchObject({ accepted: 6 });
  await eventually(
    () => query({ metrics: ['events'] }),
    (r) => r.body.results?.[0]?.metrics[0] === 6,
  );
});

afterAll(async () => {
  await clickstream?.stop();
});

describe('POST /analytics/query', () => {
  it('answers metrics in the order asked, with meta and the resolved query', async () => {
    const answer = await query({
      metrics: [
        'pageviews',
        'visitors',
        'visits',
        'bounce_rate',
        'views_per_visit',
        'visit_duration',
        'events',
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ dimensions: [], metrics: [4, 3, 3, 67, 1.33, 33, 6] }]);
    expect(answer.body.meta).toMatchObject({ store: 'duckdb', exact: true, sample_fraction: 1 });
    expect(answer.body.meta.rows_read).toBeGreaterThan(0);
    expect(answer.body.query).toMatchObject({
      site_id: SITE,
      timezone: 'UTC',
      date_range: [`${DATE}T00:00:00.000Z`, `${DATE}T23:59:59.999Z`],
    });
  });

  it('breaks down by visit source under an event filter, and by property', async () => {
    const sources = await query({
      metrics: ['visitors', 'pageviews'],
      dimensions: ['visit:source'],
      filters: [['contains', 'event:page', ['/pricing']]],
    });
    expect(sources.body.results).toEqual([
      { dimensions: ['google.com'], metrics: [1, 1] },
      { dimensions: ['newsletter'], metrics: [1, 1] },
    ]);
    const plans = await query({
      metrics: ['events'],
      dimensions: ['event:props:plan'],
      filters: [['is', 'event:name', ['signup']]],
    });
    expect(plans.body.results).toEqual([{ dimensions: ['pro'], metrics: [1] }]);
    const channels = await query({
      metrics: ['visits'],
      dimensions: ['visit:channel'],
      order_by: [['visit:channel', 'asc']],
    });
    expect(channels.body.results).toEqual([
      { dimensions: ['Email'], metrics: [1] },
      { dimensions: ['Organic Search'], metrics: [1] },
      { dimensions: ['Organic Social'], metrics: [1] },
    ]);
  });

  it('answers entry and exit pages, percentages, scroll depth, time labels, totals and pages', async () => {
    const entry = await query({
      metrics: ['visits', 'percentage'],
      dimensions: ['visit:entry_page'],
    });
    expect(entry.body.results).toEqual([
      { dimensions: ['/'], metrics: [2, 66.7] },
      { dimensions: ['/pricing'], metrics: [1, 33.3] },
    ]);
    const exit = await query({
      metrics: ['visits'],
      dimensions: ['visit:exit_page'],
      filters: [['is', 'visit:browser', ['Firefox']]],
    });
    expect(exit.body.results).toEqual([{ dimensions: ['/pricing'], metrics: [2] }]);
    const scroll = await query({
      metrics: ['scroll_depth'],
      dimensions: ['event:page'],
      order_by: [['event:page', 'asc']],
    });
    expect(scroll.body.results).toEqual([
      { dimensions: ['/'], metrics: [25] },
      { dimensions: ['/pricing'], metrics: [0] },
    ]);
    const hours = await query({
      metrics: ['pageviews'],
      dimensions: ['time:hour'],
      include: { time_labels: true, total_rows: true },
      pagination: { limit: 1 },
    });
    expect(hours.body.results).toEqual([{ dimensions: [`${DATE} 12:00:00`], metrics: [4] }]);
    expect(hours.body.meta.time_labels).toHaveLength(24);
    expect(hours.body.meta.total_rows).toBe(1);
    const berlin = await query({
      metrics: ['pageviews'],
      dimensions: ['time:hour'],
      timezone: 'Europe/Berlin',
    });
    expect(berlin.body.results[0].dimensions[0]).toMatch(/ 1[34]:00:00$/);
  });

  it.each([
    ['an unknown top-level field', { metric: ['visitors'] }, 'metric'],
    ['no metrics', { metrics: [] }, 'metrics'],
    ['an unknown metric', { metrics: ['visitors', 'clicks'] }, 'metrics[1]'],
    ['a repeated metric', { metrics: ['visitors', 'visitors'] }, 'metrics[1]'],
    [
      'an unknown dimension',
      { metrics: ['visitors'], dimensions: ['visit:planet'] },
      'dimensions[0]',
    ],
    [
      'two time dimensions',
      { metrics: ['visitors'], dimensions: ['time:day', 'time:hour'] },
      'dimensions[1]',
    ],
    [
      'a visit metric with an event dimension',
      { metrics: ['bounce_rate'], dimensions: ['event:page'] },
      'metrics[0]',
    ],
    ['a percentage without a dimension', { metrics: ['percentage'] }, 'metrics[0]'],
    [
      'a conversion rate without a goal',
      { metrics: ['conversion_rate'], dimensions: ['event:page'] },
      'metrics[0]',
    ],
    [
      'an unknown operator',
      { metrics: ['visitors'], filters: [['like', 'event:page', ['/']]] },
      'filters[0][0]',
    ],
    [
      'a filter on time',
      { metrics: ['visitors'], filters: [['is', 'time:day', ['x']]] },
      'filters[0][1]',
    ],
    [
      'a filter without values',
      { metrics: ['visitors'], filters: [['is', 'event:page', []]] },
      'filters[0][2]',
    ],
    [
      'a value that is no string',
      { metrics: ['visitors'], filters: [['is', 'event:page', [1]]] },
      'filters[0][2][0]',
    ],
    [
      'a broken regular expression',
      { metrics: ['visitors'], filters: [['matches', 'event:page', ['(']]] },
      'filters[0][2][0]',
    ],
    [
      'an over-long regular expression',
      { metrics: ['visitors'], filters: [['matches', 'event:page', ['a'.repeat(300)]]] },
      'filters[0][2][0]',
    ],
    [
      'a nested bad filter',
      {
        metrics: ['visitors'],
        filters: [
          [
            'or',
            [
              ['is', 'event:page', ['/']],
              ['not', ['is', 'nope', ['x']]],
            ],
          ],
        ],
      },
      'filters[0][1][1][1][1]',
    ],
    [
      'filters nested too deep',
      {
        metrics: ['visitors'],
        filters: [['not', ['not', ['not', ['not', ['not', ['is', 'event:page', ['/']]]]]]]],
      },
      'filters[0][1][1][1][1][1]',
    ],
    [
      'an order by something not asked',
      { metrics: ['visitors'], order_by: [['pageviews', 'desc']] },
      'order_by[0][0]',
    ],
    [
      'a page size over the limit',
      { metrics: ['visitors'], pagination: { limit: 10_001 } },
      'pagination.limit',
    ],
    ['an unknown time zone', { metrics: ['visitors'], timezone: 'Mars/Olympus' }, 'timezone'],
    ['a garbage range', { metrics: ['visitors'], date_range: 'fortnight' }, 'date_range'],
    [
      'a range that ends before it starts',
      { metrics: ['visitors'], date_range: ['2026-02-01', '2026-01-01'] },
      'date_range',
    ],
    [
      'a range over the limit',
      { metrics: ['visitors'], date_range: ['2020-01-01', '2026-01-01'] },
      'date_range',
    ],
    [
      'too many time buckets',
      {
        metrics: ['visitors'],
        dimensions: ['time:minute'],
        date_range: ['2026-01-01', '2026-01-31'],
      },
      'dimensions[0]',
    ],
  ])('refuses %s with 400 INVALID_QUERY naming the field', async (_name, body, field) => {
    const answer = await query(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_QUERY', field });
    expect(JSON.stringify(answer.body)).not.toMatch(/at .*\.ts|stack/i);
  });

  it('refuses a body that is no object, and a key for another site', async () => {
    expect((await post('/analytics/query', [])).body).toMatchObject({
      code: 'INVALID_QUERY',
      field: 'query',
    });
    const forbidden = await query({ metrics: ['visitors'] }, KEY_OTHER);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      (
        await post(
          '/analytics/query',
          { site_id: 'other.example', metrics: ['visitors'], date_range: '7d' },
          KEY_OTHER,
        )
      ).status,
    ).toBe(200);
  });
});

describe('GraphQL analytics(query:)', () => {
  it('answers as REST does', async () => {
    const rest = await query({
      metrics: ['visitors', 'pageviews'],
      dimensions: ['visit:source'],
      filters: [['contains', 'event:page', ['/pricing']]],
    });
    const answer =
      await graphql(`{ analytics(query: { siteId: "${SITE}", metrics: [visitors, pageviews], dateRange: ["${DATE}", "${DATE}"], dimensions: ["visit:source"],
      filters: [{ op: contains, dimension: "event:page", values: ["/pricing"] }] }) { results { dimensions metrics } meta { store exact } dateRange } }`);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.analytics.results).toEqual(rest.body.results);
    expect(answer.body.data.analytics.meta).toEqual({ store: 'duckdb', exact: true });
    const nested =
      await graphql(`{ analytics(query: { siteId: "${SITE}", metrics: [pageviews], dateRange: "7d",
      filters: [{ op: or, filters: [{ op: is, dimension: "event:page", values: ["/"] }, { op: not, filters: [{ op: is, dimension: "visit:browser", values: ["Firefox"] }] }] }] }) { results { metrics } } }`);
    expect(nested.body.data.analytics.results).toEqual([{ metrics: [2] }]);
  });

  it('refuses what REST refuses, with the same code and field, and another site with FORBIDDEN', async () => {
    const bad = await graphql(
      `{ analytics(query: { siteId: "${SITE}", metrics: [bounce_rate], dateRange: "7d", dimensions: ["event:page"] }) { results { metrics } } }`,
    );
    expect(bad.body.errors[0].extensions).toEqual({ code: 'INVALID_QUERY', field: 'metrics[0]' });
    const regex = await graphql(
      `{ analytics(query: { siteId: "${SITE}", metrics: [visitors], dateRange: "7d", filters: [{ op: matches, dimension: "event:page", values: ["("] }] }) { results { metrics } } }`,
    );
    expect(regex.body.errors[0].extensions).toMatchObject({
      code: 'INVALID_QUERY',
      field: 'filters[0][2][0]',
    });
    const forbidden = await graphql(
      `{ analytics(query: { siteId: "${SITE}", metrics: [visitors], dateRange: "7d" }) { results { metrics } } }`,
      KEY_OTHER,
    );
    expect(forbidden.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});
