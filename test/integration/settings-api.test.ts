import type { Client } from 'cassandra-driver';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createCassandraClient } from '../../src/store/cassandra/cassandra-options.js';
import { migrate } from '../../src/store/cassandra/cassandra-schema.js';
import { callerOf, type Caller } from '../support/app-caller.js';

/**
 * Goals, saved funnels and shared links through the real app, on both settings stores: SQLite
 * beside the embedded store, and Cassandra (STORE=cassandra, tables from the migrations). Every
 * bad input is a 400 naming its field; a key scoped to another site neither reads nor changes a
 * site's settings; a shared link reads one site and changes nothing.
 */
const SITE = 'shop.example';
const KEY_ALL = 'all-sites-key-0123456789';
const KEY_OTHER = 'other-site-key-0123456789';
const contactPoints = process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042';

async function startEmbedded(): Promise<Clickstream> {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-settings-api-'));
  return startClickstream(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      LIVE_VIEW: 'false',
      API_KEYS: `${KEY_ALL},${KEY_OTHER}:other.example`,
    }),
    createLogger('silent'),
  );
}

let cassandraAdmin: Client | undefined;
const keyspace = `clickstream_settings_api_${randomBytes(4).toString('hex')}`;
async function startOnCassandra(): Promise<Clickstream> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'clickstream-settings-cass-')),
    LOG_LEVEL: 'silent',
    LIVE_VIEW: 'false',
    ROLES: 'query',
    STORE: 'cassandra',
    CASSANDRA_CONTACT_POINTS: contactPoints,
    CASSANDRA_KEYSPACE: keyspace,
    API_KEYS: `${KEY_ALL},${KEY_OTHER}:other.example`,
  });
  cassandraAdmin = createCassandraClient({
    contactPoints: config.CASSANDRA_CONTACT_POINTS,
    localDataCenter: config.CASSANDRA_LOCAL_DC,
    keyspace,
    replication: 'SimpleStrategy:1',
    consistency: 'LOCAL_QUORUM',
    rawEventRetentionMs: 0,
  });
  await cassandraAdmin.connect();
  await migrate(cassandraAdmin, keyspace, 'SimpleStrategy:1');
  return startClickstream(config, createLogger('silent'));
}

afterAll(async () => {
  if (!cassandraAdmin) return;
  await cassandraAdmin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { prepare: false });
  await cassandraAdmin.shutdown();
});

describe.each([
  ['embedded (SQLite settings)', startEmbedded],
  ['Cassandra', startOnCassandra],
])('settings API on %s', (_name, start) => {
  let clickstream: Clickstream;
  let api: Caller;
  beforeAll(async () => {
    clickstream = await start();
    api = callerOf(clickstream.app);
  });
  afterAll(async () => {
    await clickstream?.stop();
  });

  describe('goals', () => {
    it('creates event and page goals (201), lists and deletes them', async () => {
      const signup = await api.call('POST', '/analytics/goals', {
        site_id: SITE,
        name: 'Signup',
        event_name: 'signup',
      });
      expect(signup.status).toBe(201);
      expect(signup.body).toMatchObject({
        site_id: SITE,
        name: 'Signup',
        event_name: 'signup',
        page_path: null,
        property: null,
        id: expect.any(String),
      });
      const pricing = await api.call('POST', '/analytics/goals', {
        site_id: SITE,
        page_path: '/pricing/**',
      });
      expect(pricing.body).toMatchObject({
        name: 'Visit /pricing/**',
        page_path: '/pricing/**',
        event_name: null,
      });
      const pro = await api.call('POST', '/analytics/goals', {
        site_id: SITE,
        name: 'Pro signup',
        event_name: 'Signup',
        property: { key: 'plan', value: 'pro' },
      });
      expect(pro.body).toMatchObject({
        event_name: 'signup',
        property: { key: 'plan', value: 'pro' },
      });
      const list = await api.call('GET', `/analytics/goals?site_id=${SITE}`);
      expect(list.body.goals.map((g: { name: string }) => g.name)).toEqual([
        'Signup',
        'Visit /pricing/**',
        'Pro signup',
      ]);
      expect((await api.call('DELETE', `/analytics/goals/${pro.body.id}`)).status).toBe(204);
      expect((await api.call('DELETE', `/analytics/goals/${pro.body.id}`)).status).toBe(404);
      expect((await api.call('GET', `/analytics/goals?site_id=${SITE}`)).body.goals).toHaveLength(
        2,
      );
    });

    it.each([
      ['no target', { site_id: SITE, name: 'x' }, 'event_name'],
      ['two targets', { site_id: SITE, event_name: 'a', page_path: '/a' }, 'page_path'],
      [
        'a duplicate name (any case)',
        { site_id: SITE, name: 'SIGNUP', event_name: 'other' },
        'name',
      ],
      ['a path without a leading slash', { site_id: SITE, page_path: 'pricing' }, 'page_path'],
      ['a path with a query', { site_id: SITE, page_path: '/a?b=1' }, 'page_path'],
      ['a path with spaces', { site_id: SITE, page_path: '/a b' }, 'page_path'],
      ['a bad event name', { site_id: SITE, event_name: '1 bad' }, 'event_name'],
      [
        'a property on a page goal',
        { site_id: SITE, page_path: '/x', property: { key: 'a', value: 'b' } },
        'property',
      ],
      [
        'a bad property key',
        { site_id: SITE, event_name: 'x', property: { key: 'a b', value: 'b' } },
        'property.key',
      ],
      ['an empty name', { site_id: SITE, name: '  ', event_name: 'x' }, 'name'],
      ['an unknown field', { site_id: SITE, event_name: 'x', goal_type: 'event' }, 'goal_type'],
      ['no site', { event_name: 'x' }, 'site_id'],
      ['a body that is no object', [1], 'body'],
    ])('refuses %s with 400 naming %s', async (_case, body, field) => {
      const answer = await api.call('POST', '/analytics/goals', body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_QUERY', field });
    });

    it("keeps a site-scoped key to its own sites: no reading, creating or deleting another site's goals", async () => {
      const goal = (await api.call('GET', `/analytics/goals?site_id=${SITE}`)).body.goals[0];
      expect(
        (await api.call('GET', `/analytics/goals?site_id=${SITE}`, undefined, KEY_OTHER)).status,
      ).toBe(403);
      expect(
        (
          await api.call(
            'POST',
            '/analytics/goals',
            { site_id: SITE, event_name: 'evil' },
            KEY_OTHER,
          )
        ).status,
      ).toBe(403);
      expect(
        (await api.call('DELETE', `/analytics/goals/${goal.id}`, undefined, KEY_OTHER)).status,
      ).toBe(404);
      expect(
        (
          await api.call(
            'DELETE',
            `/analytics/goals/${goal.id}?site_id=other.example`,
            undefined,
            KEY_OTHER,
          )
        ).status,
      ).toBe(404);
      expect((await api.call('GET', `/analytics/goals?site_id=${SITE}`)).body.goals).toHaveLength(
        2,
      );
      expect(
        (
          await api.call(
            'POST',
            '/analytics/goals',
            { site_id: 'other.example', event_name: 'ok' },
            KEY_OTHER,
          )
        ).status,
      ).toBe(201);
      expect(
        (await api.call('GET', '/analytics/goals?site_id=other.example', undefined, KEY_OTHER)).body
          .goals,
      ).toHaveLength(1);
    });
  });

  describe('saved funnels', () => {
    const steps = [
      ['is', 'event:page', ['/']],
      ['is', 'event:page', ['/pricing']],
      ['is', 'event:name', ['signup']],
    ];
    it('saves, lists and deletes a funnel definition', async () => {
      const saved = await api.call('POST', '/analytics/funnels', {
        site_id: SITE,
        name: 'Signup flow',
        steps,
      });
      expect(saved.status).toBe(201);
      expect(saved.body).toMatchObject({ site_id: SITE, name: 'Signup flow', steps });
      expect((await api.call('GET', `/analytics/funnels?site_id=${SITE}`)).body.funnels).toEqual([
        saved.body,
      ]);
      expect(
        (await api.call('GET', `/analytics/funnels?site_id=${SITE}`, undefined, KEY_OTHER)).status,
      ).toBe(403);
      expect(
        (await api.call('DELETE', `/analytics/funnels/${saved.body.id}`, undefined, KEY_OTHER))
          .status,
      ).toBe(404);
      expect((await api.call('DELETE', `/analytics/funnels/${saved.body.id}`)).status).toBe(204);
      expect((await api.call('GET', `/analytics/funnels?site_id=${SITE}`)).body.funnels).toEqual(
        [],
      );
    });

    it.each([
      ['one step', { name: 'a', steps: steps.slice(0, 1) }, 'steps'],
      [
        'nine steps',
        { name: 'a', steps: Array.from({ length: 9 }, (_, i) => ['is', 'event:page', [`/${i}`]]) },
        'steps',
      ],
      ['a repeated step', { name: 'a', steps: [steps[0], steps[0]] }, 'steps[1]'],
      [
        'a step with a bad operator',
        { name: 'a', steps: [steps[0], ['like', 'event:page', ['/']]] },
        'steps[1][0]',
      ],
      [
        'a step on an unknown dimension',
        { name: 'a', steps: [steps[0], ['is', 'visit:planet', ['x']]] },
        'steps[1][1]',
      ],
      ['no name', { steps }, 'name'],
    ])('refuses %s with 400 naming %s', async (_case, body, field) => {
      const answer = await api.call('POST', '/analytics/funnels', { site_id: SITE, ...body });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_QUERY', field });
    });
  });

  describe('shared links', () => {
    it('opens exactly one site, read-only, until revoked', async () => {
      const made = await api.call('POST', '/analytics/shared-links', {
        site_id: SITE,
        name: 'Investors',
      });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({
        site_id: SITE,
        name: 'Investors',
        has_password: false,
        url: `/share/${made.body.token}`,
      });
      expect(made.body.token).toMatch(/^csl_[A-Za-z0-9_-]{32}$/);
      const listed = await api.call('GET', `/analytics/shared-links?site_id=${SITE}`);
      expect(listed.body.links).toEqual([
        {
          id: made.body.id,
          site_id: SITE,
          name: 'Investors',
          has_password: false,
          created_at: made.body.created_at,
        },
      ]);
      expect(JSON.stringify(listed.body)).not.toContain(made.body.token);

      const token = made.body.token as string;
      expect(
        (await api.call('GET', `/analytics/goals?site_id=${SITE}`, undefined, token)).status,
      ).toBe(200);
      expect(
        (await api.call('GET', '/analytics/goals?site_id=other.example', undefined, token)).status,
      ).toBe(403);
      expect([SITE]).toEqual(
        expect.arrayContaining(
          (await api.call('GET', '/analytics/sites', undefined, token)).body.sites,
        ),
      );
      expect(
        (await api.call('POST', '/share/unlock', { token, password: '' }, '')).body,
      ).toMatchObject({ access_token: token, site_id: SITE });
      for (const [method, url, body] of [
        ['POST', '/analytics/goals', { site_id: SITE, event_name: 'x' }],
        [
          'POST',
          '/analytics/funnels',
          {
            site_id: SITE,
            name: 'x',
            steps: [
              ['is', 'event:page', ['/a']],
              ['is', 'event:page', ['/b']],
            ],
          },
        ],
        ['POST', '/analytics/shared-links', { site_id: SITE }],
        ['GET', `/analytics/shared-links?site_id=${SITE}`, undefined],
        ['DELETE', `/analytics/shared-links/${made.body.id}`, undefined],
        ['DELETE', `/analytics/users/someone?site_id=${SITE}`, undefined],
        ['GET', `/analytics/users/someone/events?site_id=${SITE}`, undefined],
      ] as const) {
        expect((await api.call(method, url, body, token)).status, `${method} ${url}`).toBe(403);
      }
      const timeline = await api.call(
        'POST',
        '/graphql',
        { query: `{ userEvents(userId: "u1", siteId: "${SITE}") { events { eventType } } }` },
        token,
      );
      expect(timeline.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(
        (await api.call('GET', `/analytics/goals?site_id=${SITE}`, undefined, `${token}x`)).status,
      ).toBe(401);

      expect((await api.call('DELETE', `/analytics/shared-links/${made.body.id}`)).status).toBe(
        204,
      );
      expect(
        (await api.call('GET', `/analytics/goals?site_id=${SITE}`, undefined, token)).status,
      ).toBe(401);
    });

    it('asks for the password of a locked link, and opens it with an access token', async () => {
      const made = await api.call('POST', '/analytics/shared-links', {
        site_id: SITE,
        password: 'correct horse',
      });
      expect(made.body.has_password).toBe(true);
      const token = made.body.token as string;
      const locked = await api.call('GET', `/analytics/goals?site_id=${SITE}`, undefined, token);
      expect(locked).toMatchObject({
        status: 401,
        body: { code: 'UNAUTHORIZED', field: 'password' },
      });
      expect(
        (await api.call('POST', '/share/unlock', { token, password: 'wrong horse' }, '')).status,
      ).toBe(401);
      expect(
        (await api.call('POST', '/share/unlock', { token: 'csl_nope', password: 'x' }, '')).status,
      ).toBe(401);
      const opened = await api.call(
        'POST',
        '/share/unlock',
        { token, password: 'correct horse' },
        '',
      );
      expect(opened.status).toBe(200);
      expect(opened.body.site_id).toBe(SITE);
      const access = opened.body.access_token as string;
      expect(
        (await api.call('GET', `/analytics/goals?site_id=${SITE}`, undefined, access)).status,
      ).toBe(200);
      const [t, expires] = access.split('.');
      expect(
        (
          await api.call(
            'GET',
            `/analytics/goals?site_id=${SITE}`,
            undefined,
            `${t}.${Number(expires) + 1}.${access.split('.')[2]}`,
          )
        ).status,
      ).toBe(401);
    });

    it.each([
      ['a short password', { site_id: SITE, password: 'short' }, 'password'],
      ['an unknown field', { site_id: SITE, expires: 1 }, 'expires'],
      ['no site', {}, 'site_id'],
    ])('refuses %s with 400 naming %s', async (_case, body, field) => {
      expect((await api.call('POST', '/analytics/shared-links', body)).body).toMatchObject({
        code: 'INVALID_QUERY',
        field,
      });
    });

    it("keeps another site's key away from the site's links", async () => {
      expect(
        (await api.call('POST', '/analytics/shared-links', { site_id: SITE }, KEY_OTHER)).status,
      ).toBe(403);
      expect(
        (await api.call('GET', `/analytics/shared-links?site_id=${SITE}`, undefined, KEY_OTHER))
          .status,
      ).toBe(403);
      const link = (await api.call('GET', `/analytics/shared-links?site_id=${SITE}`)).body.links[0];
      expect(
        (await api.call('DELETE', `/analytics/shared-links/${link.id}`, undefined, KEY_OTHER))
          .status,
      ).toBe(404);
    });
  });
});
