import type { Client } from 'cassandra-driver';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import type { AnalyticsReader as PortReader } from '../../src/ports/analytics-reader.js';
import type { EventStore, StoreBatch } from '../../src/ports/event-store.js';
import {
  createCassandraClient,
  type CassandraOptions,
} from '../../src/store/cassandra/cassandra-options.js';
import { migrate } from '../../src/store/cassandra/cassandra-schema.js';
import { CassandraStore, openCassandraStore } from '../../src/store/cassandra/cassandra-store.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { toErrorBody } from '../../src/http/error-handler.js';
import { eventually, makeEvent } from '../support/events.js';
import { parseStatsRequest } from '../../src/domain/stats/parse-request.js';
import { createStatsEngine } from '../../src/query/stats/stats-engine.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { describeCapabilityContract } from './store-capabilities.contract.js';
import { describeStoreContract } from './store.contract.js';

/**
 * One keyspace for the whole file, migrated once and truncated before each harness: creating a
 * keyspace and its tables costs seconds of schema changes, a TRUNCATE of each table about 0.1 s.
 */
const contactPoints = (process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const keyspace = `clickstream_test_${randomBytes(5).toString('hex')}`;
const options: CassandraOptions = {
  contactPoints,
  localDataCenter: process.env.CLICKSTREAM_TEST_CASSANDRA_DC ?? 'datacenter1',
  keyspace,
  replication: 'SimpleStrategy:1',
  consistency: 'LOCAL_QUORUM',
  rawEventRetentionMs: 90 * 86_400_000,
};
let admin: Client;

beforeAll(async () => {
  const client = createCassandraClient(options);
  await client.connect();
  admin = client;
  await migrate(admin, keyspace, options.replication);
});

afterAll(async () => {
  if (!admin) return;
  await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { prepare: false });
  await admin.shutdown();
});

async function emptyKeyspace(): Promise<void> {
  const tables = await admin.execute(
    'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
    [keyspace],
    { prepare: true },
  );
  for (const row of tables.rows) {
    const table = String(row.get('table_name'));
    if (table !== 'schema_migrations')
      await admin.execute(`TRUNCATE ${keyspace}.${table}`, [], { prepare: false });
  }
}

describeStoreContract(
  'CassandraStore',
  async () => {
    await emptyKeyspace();
    return { open: () => openCassandraStore(options) };
  },
  60_000,
);

describeCapabilityContract(
  'CassandraStore',
  async () => {
    await emptyKeyspace();
    return openCassandraStore(options);
  },
  ['visitSteps', 'propertyKeys'],
  60_000,
);

const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 86_400_000) * 86_400_000;

/** A store whose client fails every statement `failing` picks, as a process killed mid-commit would leave things. */
function crashingStore(client: Client, failing: (query: string) => boolean): CassandraStore {
  const crash = () => Promise.reject(new Error('injected crash'));
  const faulty = new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'execute') {
        return (query: string, params: unknown, opts: unknown) =>
          failing(query) ? crash() : target.execute(query, params as unknown[], opts as object);
      }
      if (property === 'batch') {
        return (queries: Array<{ query: string }>, opts: object) =>
          queries.some((q) => failing(q.query)) ? crash() : target.batch(queries, opts);
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return new CassandraStore(faulty, options);
}

/** Fails statements whose text includes `fragment`, after the first `allowed` of them. */
function after(allowed: number, fragment: string): (query: string) => boolean {
  let seen = 0;
  return (query) => query.includes(fragment) && ++seen > allowed;
}

/** Events of a few visitors, out of order, some in the same 30-minute windows, over three hours. */
function visits(): TrackedEvent[] {
  const minutes = [5, 40, 12, 95, 20, 150, 33, 61, 7, 100, 58, 130, 26, 3, 88, 119, 44, 71, 9, 160];
  return minutes.map((m, i) =>
    makeEvent({
      visitor_id: `v${i % 4}`,
      timestamp: T0 + m * MIN,
      page: ['/a', '/b', '/c'][i % 3]!,
      event_type: i % 5 === 0 ? 'click' : 'page_view',
    }),
  );
}

/** Questions whose answers cover every counted field: totals, by hour, by page, by type, visits. */
const QUESTIONS: Array<Record<string, unknown>> = [
  { metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'visit_duration'] },
  { metrics: ['visits', 'bounce_rate', 'visit_duration'], dimensions: ['time:hour'] },
  { metrics: ['pageviews', 'visitors', 'events'], dimensions: ['event:page'] },
  { metrics: ['events'], dimensions: ['event:name'] },
].map((q) => ({
  ...q,
  date_range: [new Date(T0).toISOString(), new Date(T0 + 4 * HOUR - 1).toISOString()],
}));

/** Everything a reader can see, for comparing two stores. */
async function snapshot(store: PortReader & EventStore) {
  const engine = createStatsEngine({
    reader: store,
    goals: async () => [],
    timezoneOf: () => 'UTC',
    maxRangeDays: 400,
  });
  const answers = await Promise.all(
    QUESTIONS.map(
      async (q) =>
        (await engine.run(parseStatsRequest({ site_id: 'test-site', ...q }))).answer.results,
    ),
  );
  const timelines = await Promise.all(
    ['v0', 'v1', 'v2', 'v3'].map(async (visitorId) =>
      (await store.visitorEvents({ siteId: 'test-site', visitorId, limit: 100 })).events.map(
        (e) => e.event_id,
      ),
    ),
  );
  return { answers, timelines, checkpoint: await store.checkpoint(0) };
}

/** The embedded store given only the batches that committed: what the Cassandra store must equal. */
async function reference(batches: StoreBatch[]) {
  const duckdb = await DuckDbStore.open({
    path: join(mkdtempSync(join(tmpdir(), 'clickstream-oracle-')), 'store.duckdb'),
    rawEventRetentionMs: 0,
    dedupeWindowMs: 86_400_000,
    visitorSecret: 'oracle',
  });
  try {
    for (const batch of batches) await duckdb.commit(batch);
    return await snapshot(duckdb);
  } finally {
    await duckdb.close();
  }
}

describe('CassandraStore: exactly once across crashed commits', { timeout: 60_000 }, () => {
  let store: CassandraStore;
  // A fresh owner for each test: the owner keeps its partitions' checkpoints in memory, and the
  // keyspace is emptied underneath it.
  beforeEach(async () => {
    await store?.close();
    await emptyKeyspace();
    store = await openCassandraStore(options);
  });
  afterAll(() => store?.close());

  it('a replay cut at other offsets after crashes halfway through the rows and the ids counts each event once', async () => {
    const events = visits();
    await expect(
      crashingStore(admin, after(2, '.events_by_page (')).commit({
        partition: 0,
        nextOffset: 20,
        events,
      }),
    ).rejects.toThrow('injected crash');
    await expect(
      crashingStore(admin, after(0, '.recent_ids (')).commit({
        partition: 0,
        nextOffset: 14,
        events: events.slice(0, 14),
      }),
    ).rejects.toThrow();
    expect(await store.checkpoint(0)).toBeNull();
    const replay = [
      { partition: 0, nextOffset: 7, events: events.slice(0, 7) },
      { partition: 0, nextOffset: 20, events: events.slice(7) },
    ];
    for (const batch of replay) await store.commit(batch);
    expect(await snapshot(store)).toEqual(await reference(replay));
  });

  it('a crash after every write but before the checkpoint is replayed once, and a resent id stays a duplicate', async () => {
    const events = visits();
    await store.commit({ partition: 0, nextOffset: 5, events: events.slice(0, 5) });
    await expect(
      crashingStore(admin, after(0, 'IF next_offset = ?')).commit({
        partition: 0,
        nextOffset: 12,
        events: events.slice(5, 12),
      }),
    ).rejects.toThrow();
    expect(await store.checkpoint(0)).toBe(5);
    const committed = { partition: 0, nextOffset: 5, events: events.slice(0, 5) };
    // The retried client event (same id, a later offset) is a duplicate; the crashed attempt's events are not.
    const replay = { partition: 0, nextOffset: 21, events: [...events.slice(5), events[2]!] };
    const result = await openCassandraStore(options).then(async (owner) => {
      try {
        return await owner.commit(replay);
      } finally {
        await owner.close();
      }
    });
    // The crashed attempt's ids are in the window: the new owner finds their rows written and
    // skips them, so they count as duplicates of themselves in the result; the answers are exact.
    expect(result.stored + result.duplicates).toBe(16);
    expect(await store.checkpoint(0)).toBe(21);
    expect(await snapshot(store)).toEqual(await reference([committed, replay]));
  });

  it("pages a visitor's timeline back across many day partitions, skipping days without events", async () => {
    // Two events on every third day for 60 days: 20 day partitions, more than one read of the day index.
    const events = Array.from({ length: 40 }, (_, i) =>
      makeEvent({
        visitor_id: 'regular',
        timestamp: T0 - Math.floor(i / 2) * 3 * 86_400_000 + (i % 2) * MIN,
      }),
    );
    await store.commit({ partition: 0, nextOffset: 40, events });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.visitorEvents({
        siteId: 'test-site',
        visitorId: 'regular',
        limit: 7,
        cursor,
      });
      seen.push(...page.events.map((e) => e.event_id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(
      [...events].sort((a, b) => b.timestamp - a.timestamp).map((e) => e.event_id),
    );
  });

  it('lists the sites that have data, in order, up to a limit', async () => {
    for (const [i, site] of ['site-c', 'site-a', 'site-b'].entries()) {
      await store.commit({
        partition: i,
        nextOffset: 1,
        events: [makeEvent({ site_id: site, timestamp: T0 })],
      });
    }
    expect(await store.sites(10)).toEqual(['site-a', 'site-b', 'site-c']);
    expect(await store.sites(2)).toEqual(['site-a', 'site-b']);
  });
});

describe('CassandraStore unavailable', { timeout: 90_000 }, () => {
  it('answers STORE_UNAVAILABLE (HTTP 503) while Cassandra cannot be reached, and serves again after', async () => {
    const [host = '127.0.0.1', port = '9042'] = contactPoints[0]!.split(':');
    const proxy = await startTcpProxy(host, Number(port));
    const store = await openCassandraStore({
      ...options,
      contactPoints: [`127.0.0.1:${proxy.port}`],
    });
    try {
      await store.ping();
      await proxy.cut();
      const calls = [
        () => store.ping(),
        () => store.sites(10),
        () => store.visitorEvents({ siteId: 'test-site', visitorId: 'v0', limit: 10 }),
        () => store.eraseVisitor('test-site', 'v0'),
      ];
      for (const call of calls) {
        const failure = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect(toErrorBody(failure as never)).toMatchObject({
          statusCode: 503,
          code: 'STORE_UNAVAILABLE',
        });
      }
      await proxy.restore();
      await eventually(
        () =>
          store.ping().then(
            () => true,
            () => false,
          ),
        Boolean,
        60_000,
      );
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});

describe('CassandraStore page answers from events_by_page', () => {
  it('answer a page exactly as the scan of every event does, over whole and partial days, by day, with and without bots, and after an erasure', async () => {
    await emptyKeyspace();
    const [withRollups, rawOnly] = [
      await openCassandraStore(options),
      await openCassandraStore({ ...options, rollups: false }),
    ];
    try {
      const day = 86_400_000;
      const t0 = Math.floor(Date.now() / day) * day - 5 * day;
      const events = Array.from({ length: 1500 }, (_, i) =>
        makeEvent({
          visitor_id: `v${(i * 7) % 300}`,
          page: `/p${i % 7}`,
          timestamp: t0 + ((i * 997_003) % (4 * day)),
          is_bot: i % 13 === 0,
          event_type: i % 3 === 0 ? 'click' : 'page_view',
        }),
      );
      for (let i = 0; i < events.length; i += 500)
        await withRollups.commit({
          partition: 0,
          nextOffset: i + 500,
          events: events.slice(i, i + 500),
        });
      const ask = (store: CassandraStore, query: Record<string, unknown>) =>
        createStatsEngine({
          reader: store,
          goals: async () => [],
          timezoneOf: () => 'UTC',
          maxRangeDays: 400,
        }).run(parseStatsRequest({ site_id: 'test-site', ...query }));
      const ranges = [
        [t0 - day, t0 + 5 * day],
        [t0 + 3_600_000, t0 + 3 * day + 7_200_000],
        [t0 + day + 60_000, t0 + day + 12_000_000],
        [t0 + 600_000, t0 + 1_800_000],
      ].map(([a, b]) => [new Date(a!).toISOString(), new Date(b! - 1).toISOString()]);
      let answered = 0;
      const fromRollups = async (): Promise<number> => {
        let rolled = 0;
        for (const date_range of ranges) {
          for (const filters of [[], [['is', 'event:page', ['/p3']]]]) {
            for (const extra of [{}, { dimensions: ['time:day'] }, { include: { bots: true } }]) {
              const query = {
                date_range,
                filters,
                metrics: ['visitors', 'pageviews', 'events'],
                ...extra,
              };
              const [fast, raw] = [await ask(withRollups, query), await ask(rawOnly, query)];
              expect(fast.answer.results, JSON.stringify(query)).toEqual(raw.answer.results);
              if (raw.answer.results.length > 0) answered++;
              if (fast.answer.meta.rows_read < raw.answer.meta.rows_read) rolled++;
            }
          }
        }
        return rolled;
      };
      // The page's queries read that page's events only.
      expect(await fromRollups()).toBeGreaterThanOrEqual(10);
      // A visitor leaves: their events go from every table alike.
      expect(await withRollups.eraseVisitor('test-site', 'v7')).toBeGreaterThan(0);
      await fromRollups();
      expect(answered, 'answers with rows to compare').toBeGreaterThan(36);
    } finally {
      await withRollups.close();
      await rawOnly.close();
    }
  }, 120_000);
});
