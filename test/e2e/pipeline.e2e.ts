import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually as eventuallyWithin } from '../support/events.js';
import { getJson, postJson, startServer, type ServerProcess } from '../support/server-process.js';

const SEED_TRACK =
  '{"user_id":"550e8400-e29b-41d4-a716-446655440000","page_url":"/home","event_type":"click","user_agent":"Mozilla/5.0","ip_address":"192.168.1.1"}';
/** Restarts in the scaled setup wait for a Kafka group rejoin; be patient, not timing-sensitive. */
const eventually = <T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000) =>
  eventuallyWithin(probe, done, timeoutMs);
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/**
 * The whole program over real HTTP, in a child process, for one adapter setup. `env()` gives the
 * settings of a fresh deployment (its own data folder, topic or keyspace); calling it once per
 * test keeps tests apart, and reusing its result across restarts keeps the data.
 */
export function describePipelineE2E(
  name: string,
  env: () => Promise<Record<string, string>>,
  timeoutMs = 120_000,
): void {
  describe(`pipeline over HTTP: ${name}`, { timeout: timeoutMs }, () => {
    const running: ServerProcess[] = [];
    afterEach(async () => {
      for (const server of running.splice(0))
        if (server.child.exitCode === null) await server.kill();
    });
    const start = async (settings: Record<string, string>) => {
      const server = await startServer(settings);
      running.push(server);
      return server;
    };
    const pageViews = async (url: string, page: string, site = '') =>
      (
        await getJson(
          `${url}/analytics/page-views/${page}?include_bots=true${site ? `&site_id=${site}` : ''}`,
        )
      ).body;

    it('answers the three seed commands word for word', async () => {
      const server = await start(await env());
      const tracked = await fetch(`${server.url}/track`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: SEED_TRACK,
      });
      expect(tracked.status).toBe(202);
      await postJson(`${server.url}/track`, {
        user_id: 'u-browser',
        page_url: '/home',
        event_type: 'page_view',
        user_agent: BROWSER_UA,
      });
      const rest = await eventually(
        () => getJson(`${server.url}/analytics/page-views/home`),
        (r) => r.body.page_views === 1,
      );
      expect(rest.status).toBe(200);
      expect(rest.body).toMatchObject({ page: '/home', page_views: 1, events: 1 });
      const withBots = await eventually(
        () => pageViews(server.url, 'home'),
        (b) => b.events === 2,
      );
      expect(withBots.page_views).toBe(1);
      const graphql = await postJson(
        `${server.url}/graphql`,
        '{ "query": "{ pageViews(pageURL: \\"/home\\") }" }',
      );
      expect(graphql).toEqual({ status: 200, body: { data: { pageViews: rest.body.page_views } } });
    });

    it('takes batches, keeps the good events of a mixed batch, and refuses bad input with 4xx', async () => {
      const server = await start(await env());
      const site = `s${randomUUID().slice(0, 8)}`;
      const events = Array.from({ length: 50 }, (_, i) => ({
        user_id: `v${i % 7}`,
        page_url: `/blog/post-${i % 3}`,
        event_type: 'page_view',
        site_id: site,
        user_agent: BROWSER_UA,
      }));
      const batch = await postJson(`${server.url}/track/batch`, {
        events: [...events, { page_url: 'no-slash', event_type: 'page_view' }, { event_type: 'x' }],
      });
      expect(batch.status).toBe(202);
      expect(batch.body.accepted).toBe(50);
      expect(batch.body.rejected).toEqual([
        { index: 50, field: 'page_url', message: expect.stringContaining('path') },
        { index: 51, field: 'page_url', message: 'is required' },
      ]);
      const nested = await eventually(
        () => pageViews(server.url, 'blog/post-1', site),
        (b) => b.page_views === 17,
      );
      expect(nested.page).toBe('/blog/post-1');
      const bad = [
        await postJson(`${server.url}/track`, '{"page_url": "/x",'),
        await postJson(`${server.url}/track`, { page_url: '/x' }),
        await postJson(`${server.url}/track`, {
          page_url: '/x',
          event_type: 'page_view',
          timestamp: '2999-01-01T00:00:00Z',
        }),
        await postJson(`${server.url}/track`, '<event/>', { 'content-type': 'application/xml' }),
        await postJson(`${server.url}/track/batch`, {
          events: Array.from({ length: 1001 }, () => events[0]),
        }),
        await postJson(`${server.url}/track`, {
          page_url: '/x',
          event_type: 'page_view',
          properties: { note: 'x'.repeat(2_000_000) },
        }),
      ];
      expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 415, 400, 413]);
      expect(bad[1]!.body).toMatchObject({ code: 'INVALID_EVENT', field: 'event_type' });
      expect(bad[2]!.body).toMatchObject({ field: 'timestamp' });
      expect((await getJson(`${server.url}/healthz`)).status).toBe(200);
    });

    it('counts exactly after a crash between the log append and the processor commit', async () => {
      const settings = await env();
      const ingestOnly = await start({ ...settings, ROLES: 'ingest,query' });
      const site = `crash${randomUUID().slice(0, 6)}`;
      const sent = 120;
      for (let i = 0; i < sent; i += 40) {
        const events = Array.from({ length: 40 }, (_, j) => ({
          user_id: `v${(i + j) % 11}`,
          page_url: '/crash',
          event_type: 'page_view',
          site_id: site,
          user_agent: BROWSER_UA,
        }));
        expect((await postJson(`${ingestOnly.url}/track/batch`, { events })).status).toBe(202);
      }
      await ingestOnly.kill();
      const restarted = await start(settings);
      const after = await eventually(
        () => pageViews(restarted.url, 'crash', site),
        (b) => b.page_views >= sent,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect((await pageViews(restarted.url, 'crash', site)).page_views).toBe(after.page_views);
      expect(after.page_views).toBe(sent);
    });

    it('counts exactly after a crash between the store commit and the log offset commit', async () => {
      const settings = await env();
      const site = `fail${randomUUID().slice(0, 6)}`;
      const crashing = await start({ ...settings, FAILPOINT: 'crash-after-store-commit' });
      const events = Array.from({ length: 30 }, (_, j) => ({
        user_id: `v${j % 5}`,
        page_url: '/replay',
        event_type: 'page_view',
        site_id: site,
        user_agent: BROWSER_UA,
      }));
      expect((await postJson(`${crashing.url}/track/batch`, { events })).status).toBe(202);
      expect(await crashing.exited).toBeNull();
      const restarted = await start(settings);
      // Markers from the same visitors land on the same partitions after the crashed batch: once
      // they are counted, any replay of that batch has happened too.
      const markers = Array.from({ length: 5 }, (_, j) => ({
        user_id: `v${j}`,
        page_url: '/marker',
        event_type: 'page_view',
        site_id: site,
        user_agent: BROWSER_UA,
      }));
      expect((await postJson(`${restarted.url}/track/batch`, { events: markers })).status).toBe(
        202,
      );
      await eventually(
        () => pageViews(restarted.url, 'marker', site),
        (b) => b.page_views === 5,
        60_000,
      );
      expect((await pageViews(restarted.url, 'replay', site)).page_views).toBe(30);
      expect(
        (
          await getJson(
            `${restarted.url}/analytics/unique-visitors?site_id=${site}&include_bots=true`,
          )
        ).body.visitors,
      ).toBe(5);
    });

    it('shuts down gracefully on SIGTERM without losing an acknowledged event', async () => {
      const settings = await env();
      const site = `term${randomUUID().slice(0, 6)}`;
      const server = await start(settings);
      let acknowledged = 0;
      const load = Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 200; i++) {
            try {
              const r = await postJson(`${server.url}/track`, {
                user_id: `v${i}`,
                page_url: '/term',
                event_type: 'page_view',
                site_id: site,
                user_agent: BROWSER_UA,
              });
              if (r.status === 202) acknowledged++;
            } catch {
              return; // the server has closed its port
            }
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
      const code = await server.stop();
      expect(code, server.logs.slice(-8).join('\n')).toBe(0);
      await load;
      expect(acknowledged).toBeGreaterThan(0);
      const restarted = await start(settings);
      const counted = await eventually(
        () => pageViews(restarted.url, 'term', site),
        (b) => b.page_views >= acknowledged,
      );
      expect(counted.page_views).toBe(acknowledged);
    });
  });
}
