import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually } from '../support/events.js';
import { callerOf, type Caller } from '../support/app-caller.js';

/**
 * Goals in the general query (`event:goal`, conversion_rate) and POST /analytics/funnel through
 * the real embedded app: answers on a small hand-computed data set, every bad input, and access.
 */
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const SITE = 'shop.example';
const KEY_OTHER = 'other-site-key-0123456789';
const DAY = 86_400_000;
const T0 = Math.floor(Date.now() / DAY) * DAY - DAY + 12 * 3_600_000;
const DATE = new Date(T0).toISOString().slice(0, 10);
const RANGE = [DATE, DATE];

let clickstream: Clickstream;
let api: Caller;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-goals-'));
  clickstream = await startClickstream(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      LIVE_VIEW: 'false',
      API_KEYS: `all-sites-key-0123456789,${KEY_OTHER}:other.example`,
    }),
    createLogger('silent'),
  );
  api = callerOf(clickstream.app);
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
    page_url: `https://shop.example${page}`,
    timestamp: T0 + offset,
    user_agent: FIREFOX,
    ...extra,
  });
  // u1: / → /pricing → signup (pro). u2 (iPhone): / → signup (free), then /pricing. u3: /pricing only. u4: / only.
  const batch = await api.call('POST', '/track/batch', {
    events: [
      event('u1', 'page_view', '/', 0),
      event('u1', 'page_view', '/pricing', 60_000),
      event('u1', 'signup', '/pricing', 90_000, { properties: { plan: 'pro' } }),
      event('u2', 'page_view', '/', 0, { user_agent: IPHONE }),
      event('u2', 'signup', '/', 30_000, { user_agent: IPHONE, properties: { plan: 'free' } }),
      event('u2', 'page_view', '/pricing', 40_000, { user_agent: IPHONE }),
      event('u3', 'page_view', '/pricing', 0),
      event('u4', 'page_view', '/', 0),
    ],
  });
  expect(batch.body).toMatchObject({ accepted: 8 });
  await eventually(
    () =>
      api.call('POST', '/analytics/query', {
        site_id: SITE,
        metrics: ['events'],
        date_range: RANGE,
      }),
    (r) => r.body.results?.[0]?.metrics[0] === 8,
    20_000,
  );
  for (const goal of [
    { name: 'Signup', event_name: 'signup' },
    { name: 'Pro signup', event_name: 'signup', property: { key: 'plan', value: 'pro' } },
    { name: 'Pricing', page_path: '/pri*' },
  ]) {
    expect((await api.call('POST', '/analytics/goals', { site_id: SITE, ...goal })).status).toBe(
      201,
    );
  }
});

afterAll(async () => {
  await clickstream?.stop();
});

describe('goals in the general query', () => {
  it('answers visitors, events and conversion rate (% of all visitors) per goal', async () => {
    const answer = await api.call('POST', '/analytics/query', {
      site_id: SITE,
      date_range: RANGE,
      metrics: ['visitors', 'events', 'conversion_rate'],
      dimensions: ['event:goal'],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { dimensions: ['Pricing'], metrics: [3, 3, 75] },
      { dimensions: ['Signup'], metrics: [2, 2, 50] },
      { dimensions: ['Pro signup'], metrics: [1, 1, 25] },
    ]);
    const filtered = await api.call('POST', '/analytics/query', {
      site_id: SITE,
      date_range: RANGE,
      metrics: ['visitors', 'conversion_rate'],
      filters: [
        ['is', 'event:goal', ['Signup']],
        ['is', 'visit:browser', ['Firefox']],
      ],
    });
    expect(filtered.body.results).toEqual([{ dimensions: [], metrics: [1, 33.33] }]);
  });

  it('stops counting a deleted goal', async () => {
    const made = await api.call('POST', '/analytics/goals', {
      site_id: SITE,
      name: 'Home',
      page_path: '/',
    });
    const before = await api.call('POST', '/analytics/query', {
      site_id: SITE,
      date_range: RANGE,
      metrics: ['visitors'],
      dimensions: ['event:goal'],
    });
    expect(before.body.results).toContainEqual({ dimensions: ['Home'], metrics: [3] });
    await api.call('DELETE', `/analytics/goals/${made.body.id}`);
    const after = await api.call('POST', '/analytics/query', {
      site_id: SITE,
      date_range: RANGE,
      metrics: ['visitors'],
      dimensions: ['event:goal'],
    });
    expect(after.body.results.map((r: { dimensions: string[] }) => r.dimensions[0])).toEqual([
      'Pricing',
      'Signup',
      'Pro signup',
    ]);
  });
});

describe('POST /analytics/funnel', () => {
  const funnel = (body: Record<string, unknown>, key?: string) =>
    api.call('POST', '/analytics/funnel', { site_id: SITE, date_range: RANGE, ...body }, key);
  const steps = [
    ['is', 'event:page', ['/']],
    ['is', 'event:page', ['/pricing']],
    ['is', 'event:name', ['signup']],
  ];

  it('counts visitors who did the steps in order within a visit', async () => {
    const answer = await funnel({ steps });
    expect(answer.status).toBe(200);
    expect(answer.body.steps).toEqual([
      { visitors: 3, conversion_rate: 100, dropoff: 0, dropoff_rate: 0 },
      { visitors: 2, conversion_rate: 66.67, dropoff: 1, dropoff_rate: 33.33 },
      { visitors: 1, conversion_rate: 33.33, dropoff: 1, dropoff_rate: 50 },
    ]);
    expect(answer.body.meta).toMatchObject({ store: 'duckdb', exact: true });
    expect(answer.body.query).toMatchObject({ site_id: SITE, timezone: 'UTC' });
  });

  it('takes goals as steps, and filters that pick the visits', async () => {
    const goals = await funnel({
      steps: [
        ['is', 'event:page', ['/']],
        ['is', 'event:goal', ['Signup']],
        ['is', 'event:goal', ['Pricing']],
      ],
    });
    expect(goals.body.steps.map((s: { visitors: number }) => s.visitors)).toEqual([3, 2, 1]);
    const firefox = await funnel({ steps, filters: [['is', 'visit:browser', ['Firefox']]] });
    expect(firefox.body.steps.map((s: { visitors: number }) => s.visitors)).toEqual([2, 1, 1]);
  });

  it.each([
    ['no steps', { steps: undefined }, 'steps'],
    ['one step', { steps: steps.slice(0, 1) }, 'steps'],
    [
      'nine steps',
      { steps: Array.from({ length: 9 }, (_, i) => ['is', 'event:page', [`/${i}`]]) },
      'steps',
    ],
    ['a repeated step', { steps: [steps[0], steps[1], steps[0]] }, 'steps[2]'],
    [
      'a bad operator in a step',
      { steps: [steps[0], ['like', 'event:page', ['/']]] },
      'steps[1][0]',
    ],
    [
      'a bad regular expression in a step',
      { steps: [steps[0], ['matches', 'event:page', ['(']]] },
      'steps[1][2][0]',
    ],
    ['a time filter as a step', { steps: [steps[0], ['is', 'time:day', ['x']]] }, 'steps[1][1]'],
    ['a bad filter', { steps, filters: [['is', 'visit:planet', ['x']]] }, 'filters[0][1]'],
    ['a bad range', { steps, date_range: 'fortnight' }, 'date_range'],
    ['an unknown field', { steps, metrics: ['visitors'] }, 'metrics'],
    ['a bad time zone', { steps, timezone: 'Mars/Olympus' }, 'timezone'],
  ])('refuses %s with 400 naming %s', async (_case, body, field) => {
    const answer = await funnel(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_QUERY', field });
  });

  it('keeps a key to its sites, and lets a shared link of the site run it', async () => {
    expect((await funnel({ steps }, KEY_OTHER)).status).toBe(403);
    const link = await api.call('POST', '/analytics/shared-links', { site_id: SITE });
    expect((await funnel({ steps }, link.body.token)).body.steps[0].visitors).toBe(3);
    expect(
      (
        await api.call(
          'POST',
          '/analytics/funnel',
          { site_id: 'other.example', date_range: RANGE, steps },
          link.body.token,
        )
      ).status,
    ).toBe(403);
  });
});

describe('POST /analytics/property-keys', () => {
  it('lists the property keys of the counted events, and refuses bad input naming the field', async () => {
    const keys = await api.call('POST', '/analytics/property-keys', {
      site_id: SITE,
      date_range: RANGE,
      filters: [['is', 'event:name', ['signup']]],
    });
    expect(keys.body).toEqual({ keys: [{ key: 'plan', events: 2 }] });
    const none = await api.call('POST', '/analytics/property-keys', {
      site_id: SITE,
      date_range: RANGE,
      filters: [['is', 'event:name', ['page_view']]],
    });
    expect(none.body).toEqual({ keys: [] });
    expect(
      (
        await api.call('POST', '/analytics/property-keys', {
          site_id: SITE,
          date_range: RANGE,
          metrics: ['events'],
        })
      ).body,
    ).toMatchObject({ code: 'INVALID_QUERY', field: 'metrics' });
    expect(
      (await api.call('POST', '/analytics/property-keys', { site_id: SITE, date_range: 'x' })).body,
    ).toMatchObject({ code: 'INVALID_QUERY', field: 'date_range' });
    expect(
      (
        await api.call(
          'POST',
          '/analytics/property-keys',
          { site_id: SITE, date_range: RANGE },
          KEY_OTHER,
        )
      ).status,
    ).toBe(403);
  });
});
