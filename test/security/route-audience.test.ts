import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';

/**
 * Every route Fastify registered, as its onRoute hook saw it, is asked from a remote
 * address without a key. Only the explicit public allowlist may answer; /metrics answers its own
 * key only; everything else is the query side and must refuse. A route added later anywhere in the
 * app is in this list without anyone remembering to add it: outside the query plugin it fails
 * here until it is deliberately made public.
 */

const ADMIN = 'admin-key-0123456789abcdef';
const METRICS = 'metrics-key-0123456789abcdef';
const REMOTE = '203.0.113.9';

/** Public by design: ingest (and its CORS preflight), the tracker, health, the OpenAPI document. */
const PUBLIC: readonly RegExp[] = [
  /^POST \/track(\/batch)?$/,
  /^OPTIONS \*$/,
  /^(GET|HEAD) \/tracker\.js$/,
  /^(GET|HEAD) \/(healthz|readyz)$/,
  /^(GET|HEAD) \/docs(\/.*)?$/,
];
/** Query-side routes that hold no data: served without a key once keys exist, loopback-only before. */
const SHELL: readonly RegExp[] = [
  /^(GET|HEAD) \/(index\.html|favicon\.svg|assets\/.+)?$/,
  /^(GET|HEAD) \/graphiql(\/.*)?$/,
];
/**
 * What a shared link's visitor loads before any data — the shared page, the dashboard's files, the
 * unlock that checks a link's password — is served to anyone, with or without API_KEYS; the data
 * routes then take the link's token (docs/settings-api.md).
 */
const SHARE_PAGE: readonly RegExp[] = [
  /^(GET|HEAD) \/share\/:token$/,
  /^POST \/share\/unlock$/,
  /^(GET|HEAD) \/(favicon\.svg|assets\/.+)$/,
];
const METRICS_ROUTE = /^(GET|HEAD) \/metrics$/;
/**
 * What a shared link's token opens (docs/security.md): the dashboard's reads of its one site, and
 * the pages without data. Nothing that changes data, lists a site's links or shows one visitor.
 */
const SHARED_LINK: readonly RegExp[] = [
  /^(GET|HEAD) \/analytics\/(page-views(\/\*)?|timeseries|top-pages|events|unique-visitors|sessions|referrers|browsers|os|devices|utm-(sources|mediums|campaigns)|sites|live|goals|funnels)$/,
  /^POST \/analytics\/(query|funnel|property-keys)$/,
  /^(GET|HEAD|POST) \/graphql$/,
  ...SHELL,
  ...SHARE_PAGE,
];
const CLOSED_TO_LINKS = 'a shared link is read-only and shows the dashboard only';

interface Route {
  method: HTTPMethods;
  path: string;
  sharedLink: boolean | undefined;
}

/** Fastify's own list: every route as its onRoute hook saw it (src/app.ts), HEAD twins included. */
const routesOf = (app: FastifyInstance): Route[] =>
  app.routeTable().map((r) => ({ method: r.method, path: r.url, sharedLink: r.config.sharedLink }));

const concrete = (path: string) =>
  (path.startsWith('*') ? `/x${path.slice(1)}` : path).replace(/:\w+/g, 'x').replace(/\*/g, 'x');
const label = (route: Route) => `${route.method} ${route.path}`;
const matches = (route: Route, patterns: readonly RegExp[]) =>
  patterns.some((p) => p.test(label(route)));

const dirs: string[] = [];
const running: Clickstream[] = [];
async function start(env: Record<string, string>): Promise<Clickstream> {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-routes-'));
  dirs.push(dir);
  const clickstream = await startClickstream(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }),
    createLogger('silent'),
  );
  running.push(clickstream);
  return clickstream;
}
afterAll(async () => {
  for (const c of running) await c.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const ask = (app: FastifyInstance, route: Route, key?: string) =>
  app.inject({
    method: route.method,
    url: concrete(route.path),
    remoteAddress: REMOTE,
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });

describe("every route in Fastify's route table belongs to an audience, and the query side fails closed", () => {
  it("reads the whole table (the table holds every plugin's routes)", async () => {
    const { app } = await start({});
    const labels = routesOf(app).map(label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'POST /track',
        'POST /track/batch',
        'GET /tracker.js',
        'GET /analytics/top-pages',
        'GET /analytics/page-views/*',
        'DELETE /analytics/users/:userId',
        'POST /analytics/goals',
        'POST /analytics/funnel',
        'GET /share/:token',
        'POST /graphql',
        'GET /graphql',
        'GET /graphiql',
        'GET /metrics',
        'GET /healthz',
        'GET /docs/json',
        'OPTIONS *',
      ]),
    );
  });

  it('with API keys: without a key, every route outside the public allowlist and the shell answers 401', async () => {
    const { app } = await start({ API_KEYS: ADMIN, METRICS_API_KEY: METRICS });
    const routes = routesOf(app);
    expect(routes.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    for (const route of routes) {
      const status = (await ask(app, route)).statusCode;
      const refused = status === 401 || status === 403;
      if (matches(route, PUBLIC) || matches(route, SHELL) || matches(route, SHARE_PAGE)) {
        if (refused) wrong.push(`${label(route)}: ${status}, but it is public`);
      } else if (status !== 401) {
        wrong.push(
          `${label(route)}: ${status} without a key (add it to the query plugin, or make it public on purpose)`,
        );
      }
    }
    expect(wrong).toEqual([]);
  });

  it('with API keys: the admin key opens every query route (the refusals above were the key, not the route)', async () => {
    const { app } = await start({ API_KEYS: ADMIN, METRICS_API_KEY: METRICS });
    const query = routesOf(app).filter(
      (r) => !matches(r, PUBLIC) && !matches(r, SHELL) && !METRICS_ROUTE.test(label(r)),
    );
    for (const route of query)
      expect((await ask(app, route, ADMIN)).statusCode, label(route)).not.toBe(401);
    for (const route of routesOf(app).filter((r) => METRICS_ROUTE.test(label(r)))) {
      expect((await ask(app, route, ADMIN)).statusCode, `${label(route)} with a query key`).toBe(
        401,
      );
      expect((await ask(app, route, METRICS)).statusCode, label(route)).toBe(200);
    }
  });

  it('without API keys: every route outside the public allowlist answers 403 to a remote client', async () => {
    const { app } = await start({});
    const wrong: string[] = [];
    for (const route of routesOf(app)) {
      const status = (await ask(app, route)).statusCode;
      if (
        matches(route, PUBLIC) ||
        matches(route, SHARE_PAGE) ||
        METRICS_ROUTE.test(label(route))
      ) {
        if (status === 401 || status === 403)
          wrong.push(`${label(route)}: ${status}, but it is public`);
      } else if (status !== 403) {
        wrong.push(`${label(route)}: ${status} to a remote client without API_KEYS`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it.each(['ingest', 'processor', 'query'])(
    'ROLES=%s: /metrics needs METRICS_API_KEY when it is set',
    async (roles) => {
      const { app } = await start({ ROLES: roles, METRICS_API_KEY: METRICS });
      const metrics = routesOf(app).filter((r) => METRICS_ROUTE.test(label(r)));
      expect(metrics.map(label)).toEqual(expect.arrayContaining(['GET /metrics']));
      for (const route of metrics) {
        expect((await ask(app, route)).statusCode, label(route)).toBe(401);
        expect((await ask(app, route, 'wrong-key-0123456789abcdef')).statusCode, label(route)).toBe(
          401,
        );
        expect((await ask(app, route, METRICS)).statusCode, label(route)).toBe(200);
      }
    },
  );
});

describe('a shared link opens exactly the routes that decide to open to it', () => {
  const queryRoutes = (app: FastifyInstance) =>
    routesOf(app).filter((r) => !matches(r, PUBLIC) && !METRICS_ROUTE.test(label(r)));

  it('every query-side route decides whether a shared link may call it (sharedLink true or false)', async () => {
    const { app } = await start({ API_KEYS: ADMIN });
    const undecided = queryRoutes(app)
      .filter((r) => typeof r.sharedLink !== 'boolean')
      .map(label);
    expect(undecided, 'add config: { sharedLink: true | false } to these routes').toEqual([]);
    const opened = queryRoutes(app).filter((r) => r.sharedLink === true);
    expect(opened.filter((r) => !matches(r, SHARED_LINK)).map(label)).toEqual([]);
    expect(
      queryRoutes(app)
        .filter((r) => r.sharedLink === false && matches(r, SHARED_LINK))
        .map(label),
    ).toEqual([]);
  });

  it("with a link's token from another machine: every route closed to links answers 403, every open one lets it through", async () => {
    const { app } = await start({ API_KEYS: ADMIN });
    const made = await app.inject({
      method: 'POST',
      url: '/analytics/shared-links',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { site_id: 'shop' },
    });
    expect(made.statusCode).toBe(201);
    const token = made.json<{ token: string }>().token;
    const wrong: string[] = [];
    // HEAD twins share their GET's decision (checked above); their answers carry no body to tell
    // a refused link from a refused site.
    for (const route of queryRoutes(app).filter((r) => r.method !== 'HEAD')) {
      const answer = await ask(app, route, token);
      const closed = answer.statusCode === 403 && answer.body.includes(CLOSED_TO_LINKS);
      if (route.sharedLink === true && closed)
        wrong.push(`${label(route)}: closed, but it opens to links`);
      if (route.sharedLink !== true && !closed)
        wrong.push(
          `${label(route)}: ${answer.statusCode} to a shared link, but it is closed to links`,
        );
    }
    expect(wrong).toEqual([]);
  });
});
