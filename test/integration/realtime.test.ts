import { createClient, type Client } from 'graphql-ws';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCassandraClient } from '../../src/store/cassandra/cassandra-options.js';
import { migrate } from '../../src/store/cassandra/cassandra-schema.js';
import { eventually } from '../support/events.js';
import {
  postJson,
  startServer,
  tempDataDir,
  type ServerProcess,
} from '../support/server-process.js';

/**
 * GraphQL subscriptions over a real WebSocket (graphql-ws protocol) with the roles in separate
 * processes: one ingest + processor, two query instances. Each query instance follows the event
 * log with its own consumer group, so both see every event, though neither ingested any. The
 * processes share the embedded SQLite log of one data folder; the store is Cassandra, since the
 * embedded DuckDB file takes one process at a time.
 */

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const SITE = 'rt-site';

interface Subscription<T> {
  values: T[];
  errors: unknown[];
  stop(): void;
}

function subscribe<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Subscription<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(result.errors);
        if (result.data) values.push(result.data);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return { values, errors, stop };
}

const wsUrl = (server: ServerProcess) => `${server.url.replace(/^http/, 'ws')}/graphql`;
// Connection errors surface in each subscription's error sink; the client's own console report is noise here.
const newClient = (server: ServerProcess) =>
  createClient({
    url: wsUrl(server),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
  });

const FEED =
  'subscription($filter: LiveFilter) { liveEvents(filter: $filter) { eventId eventType page siteId visitorId element { text outbound } } }';
const TOTALS =
  'subscription($site: String) { liveTotals(siteId: $site, pageLimit: 5, seconds: 30) { siteId events pageviews activeVisitors eventsPerSecond pages { page views } perSecond { time events } } }';

type Feed = {
  liveEvents: {
    eventId: string;
    eventType: string;
    page: string;
    visitorId: string;
    element: { text: string; outbound: boolean } | null;
  };
};
type Totals = {
  liveTotals: {
    events: number;
    pageviews: number;
    activeVisitors: number;
    pages: Array<{ page: string; views: number }>;
    perSecond: unknown[];
  };
};

describe('live view over WebSocket, roles in separate processes', () => {
  let ingest: ServerProcess;
  let queries: ServerProcess[] = [];
  const clients: Client[] = [];
  const keyspace = `realtime_${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    const DATA_DIR = tempDataDir();
    const cassandra = process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042';
    const env = {
      DATA_DIR,
      STORE: 'cassandra',
      CASSANDRA_CONTACT_POINTS: cassandra,
      CASSANDRA_KEYSPACE: keyspace,
      CASSANDRA_REPLICATION: 'SimpleStrategy:1',
    };
    const admin = createCassandraClient({
      contactPoints: cassandra.split(','),
      localDataCenter: 'datacenter1',
      keyspace,
      replication: 'SimpleStrategy:1',
      consistency: 'LOCAL_QUORUM',
      rawEventRetentionMs: 0,
    });
    await admin.connect();
    await migrate(admin, keyspace, 'SimpleStrategy:1');
    await admin.shutdown();
    ingest = await startServer({ ...env, ROLES: 'ingest,processor' });
    queries = await Promise.all([
      startServer({ ...env, ROLES: 'query' }),
      startServer({ ...env, ROLES: 'query' }),
    ]);
  });

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await Promise.all([ingest, ...queries].filter(Boolean).map((s) => s.stop()));
    const admin = createCassandraClient({
      contactPoints: (process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042').split(','),
      localDataCenter: 'datacenter1',
      keyspace,
      replication: 'SimpleStrategy:1',
      consistency: 'LOCAL_QUORUM',
      rawEventRetentionMs: 0,
    });
    await admin.connect();
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await admin.shutdown();
  });

  it('every query instance streams every event and its live totals', async () => {
    const feeds = queries.map((q) => {
      const client = newClient(q);
      clients.push(client);
      return {
        all: subscribe<Feed>(client, FEED, { filter: { siteId: SITE } }),
        clicks: subscribe<Feed>(client, FEED, { filter: { siteId: SITE, eventTypes: ['click'] } }),
        pricing: subscribe<Feed>(client, FEED, { filter: { siteId: SITE, page: '/pricing' } }),
        totals: subscribe<Totals>(client, TOTALS, { site: SITE }),
      };
    });
    // The first totals arrive at once: every subscription is set up before anything is sent.
    await eventually(async () => feeds.every((f) => f.totals.values.length > 0), Boolean, 15_000);

    const events = [
      {
        page_url: 'https://shop.example/',
        event_type: 'page_view',
        user_id: 'visitor-a',
        site_id: SITE,
      },
      {
        page_url: 'https://shop.example/pricing',
        event_type: 'page_view',
        user_id: 'visitor-a',
        site_id: SITE,
      },
      {
        page_url: 'https://shop.example/pricing',
        event_type: 'click',
        user_id: 'visitor-a',
        site_id: SITE,
        element: { tag: 'a', text: 'Docs', href: 'https://docs.other.example/' },
      },
      {
        page_url: 'https://shop.example/',
        event_type: 'page_view',
        user_id: 'visitor-b',
        site_id: SITE,
      },
      {
        page_url: 'https://shop.example/',
        event_type: 'page_view',
        user_id: 'crawler',
        site_id: SITE,
        user_agent: 'Googlebot/2.1 (+http://www.google.com/bot.html)',
      },
      {
        page_url: 'https://other.example/',
        event_type: 'page_view',
        user_id: 'visitor-c',
        site_id: 'another-site',
      },
    ];
    const answer = await postJson(
      `${ingest.url}/track/batch`,
      { events },
      { 'user-agent': CHROME },
    );
    expect(answer.status).toBe(202);
    expect(answer.body.accepted).toBe(events.length);

    for (const feed of feeds) {
      await eventually(
        async () => feed.all.values.length,
        (n) => n >= 4,
        15_000,
      );
      await eventually(
        async () => feed.totals.values.at(-1)!.liveTotals,
        (t) => t.events === 4,
        15_000,
      );
    }
    for (const feed of feeds) {
      // Humans of this site only: the bot and the other site are filtered out. One visitor's
      // events keep their order (one partition); across visitors there is no order.
      const visitorA = feed.all.values.filter((v) => v.liveEvents.visitorId === 'visitor-a');
      expect(feed.all.values.map((v) => v.liveEvents.page).sort()).toEqual([
        '/',
        '/',
        '/pricing',
        '/pricing',
      ]);
      expect(visitorA.map((v) => `${v.liveEvents.eventType} ${v.liveEvents.page}`)).toEqual([
        'page_view /',
        'page_view /pricing',
        'click /pricing',
      ]);
      expect(feed.clicks.values.map((v) => v.liveEvents.element)).toEqual([
        { text: 'Docs', outbound: true },
      ]);
      expect(feed.pricing.values.map((v) => v.liveEvents.eventType)).toEqual([
        'page_view',
        'click',
      ]);
      const totals = feed.totals.values.at(-1)!.liveTotals;
      expect(totals).toMatchObject({
        events: 4,
        pageviews: 3,
        activeVisitors: 2,
        pages: [
          { page: '/', views: 2 },
          { page: '/pricing', views: 1 },
        ],
      });
      expect(totals.perSecond).toHaveLength(30);
      expect([...feed.all.errors, ...feed.totals.errors]).toEqual([]);
    }
    // Both instances saw the very same events.
    const ids = feeds.map((f) => f.all.values.map((v) => v.liveEvents.eventId).sort());
    expect(ids[0]).toEqual(ids[1]);
  });

  it('answers live queries over HTTP and lists the sites', async () => {
    const response = await postJson(`${queries[0]!.url}/graphql`, {
      query: `{ sites liveTotals(siteId: "${SITE}") { activeVisitors } recentEvents(filter: { siteId: "${SITE}", eventTypes: ["click"] }, limit: 5) { eventType page } }`,
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.liveTotals.activeVisitors).toBe(2);
    expect(response.body.data.recentEvents).toEqual([{ eventType: 'click', page: '/pricing' }]);
    expect(response.body.data.sites).toEqual(expect.arrayContaining([SITE, 'another-site']));
  });

  it('refuses bad arguments with a code, and a cross-origin WebSocket handshake', async () => {
    const client = newClient(queries[0]!);
    clients.push(client);
    const bad = subscribe(client, FEED, { filter: { siteId: 'Not A Site' } });
    await eventually(
      async () => bad.errors.length,
      (n) => n > 0,
      10_000,
    );
    expect(JSON.stringify(bad.errors)).toMatch(
      /"message":"siteId must be 1 to 64 of.*"code":"INVALID_QUERY","field":"siteId"/,
    );

    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl(queries[0]!), 'graphql-transport-ws', {
        origin: 'https://evil.example',
      });
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => resolve(-1));
    });
    expect(refused).toBe(403);

    const host = new URL(queries[0]!.url).host;
    const accepted = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(wsUrl(queries[0]!), 'graphql-transport-ws', {
        origin: `http://${host}`,
      });
      socket.on('open', () => {
        resolve(socket.protocol);
        socket.close();
      });
      socket.on('error', reject);
    });
    expect(accepted).toBe('graphql-transport-ws');
  });

  it('ends subscriptions cleanly when the server shuts down', async () => {
    const client = newClient(queries[1]!);
    clients.push(client);
    const completed = new Promise<string>((resolve) => {
      client.subscribe(
        { query: TOTALS, variables: { site: SITE } },
        {
          next: () => undefined,
          error: () => resolve('error'),
          complete: () => resolve('complete'),
        },
      );
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await queries[1]!.stop()).toBe(0);
    // The live view ends its subscriptions before the server closes the sockets.
    expect(await completed).toBe('complete');
  });
});
