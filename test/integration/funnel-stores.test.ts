import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunnelPlan } from '../../src/domain/funnel.js';
import { lowerGoalFilters, type Goal } from '../../src/domain/stats/goals.js';
import type { FilterExpr } from '../../src/domain/stats/query-model.js';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import { createScanFunnel } from '../../src/query/funnel/scan-funnel.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { funnelReaderOf } from '../../src/compose/adapters.js';
import {
  createCassandraClient,
  type CassandraOptions,
} from '../../src/store/cassandra/cassandra-options.js';
import { migrate } from '../../src/store/cassandra/cassandra-schema.js';
import type { CassandraStore } from '../../src/store/cassandra/cassandra-store.js';
import { openCassandraStore } from '../../src/store/cassandra/cassandra-store.js';
import { holds } from '../differential/reference/values.js';
import { buildVisits, byTime } from '../differential/reference/visits.js';
import { makeEvent } from '../support/events.js';

/**
 * The funnel three ways on generated traffic: DuckDB's SQL, the store-independent scan over the
 * visits' step events (what a store that only lists events gets), and a reference written from
 * docs/funnels.md over the differential test's reference visits (no funnel code of src/ in it).
 * Events share instants (a tracker batch), repeat steps, arrive out of order, and visits split on
 * 30-minute gaps; bots and a second site are mixed in.
 */
const SITE = 'funnel.example';
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 8);
const PAGES = ['/', '/pricing', '/signup', '/docs', '/blog/a'];
const TYPES = ['page_view', 'page_view', 'page_view', 'click', 'signup', 'purchase'];
const BROWSERS = ['Firefox', 'Chrome', 'Safari'];

function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

function generate(seed: number): TrackedEvent[] {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const events: TrackedEvent[] = [];
  for (let v = 0; v < 60; v++) {
    const visitor = `v${Math.floor(rand() * 40)}`;
    const browser = pick(BROWSERS);
    const site = rand() < 0.1 ? 'other.example' : SITE;
    const bot = rand() < 0.05;
    let ts = T0 + Math.floor(rand() * 20 * HOUR);
    for (let i = 0, n = 1 + Math.floor(rand() * 7); i < n; i++) {
      // Same instant (a batch), seconds apart, or past the 30-minute gap.
      const step = rand();
      ts += step < 0.3 ? 0 : step < 0.9 ? Math.floor(rand() * 120_000) : 31 * 60_000;
      const type = i === 0 ? 'page_view' : pick(TYPES);
      events.push(
        makeEvent({
          site_id: site,
          visitor_id: visitor,
          timestamp: ts,
          received_at: ts,
          event_type: type,
          page: pick(PAGES),
          browser,
          is_bot: bot,
          properties: type === 'signup' ? { plan: pick(['pro', 'free']) } : null,
        }),
      );
    }
  }
  return events;
}

/** docs/funnels.md, read literally: per counted visit, step n + 1 at the first matching event at or after step n. */
function referenceFunnel(
  events: readonly TrackedEvent[],
  plan: FunnelPlan,
  goals: readonly Goal[],
): number[] {
  const deepest = new Map<string, number>();
  const { visits } = buildVisits(events.filter((e) => e.site_id === plan.siteId));
  const counted = (e: TrackedEvent) =>
    e.timestamp >= plan.from && e.timestamp < plan.to && (plan.includeBots || !e.is_bot);
  for (const visit of visits) {
    if (visit.start < plan.from || visit.start >= plan.to || (!plan.includeBots && visit.isBot))
      continue;
    const mine = visit.events.filter(counted).sort(byTime);
    if (plan.filter && !mine.some((e) => holds(plan.filter, e, visit, goals))) continue;
    let at = Number.NEGATIVE_INFINITY;
    let depth = 0;
    for (const step of plan.steps) {
      const next = mine.find((e) => e.timestamp >= at && holds(step, e, visit, goals));
      if (!next) break;
      at = next.timestamp;
      depth++;
    }
    const visitor = visit.events[0]!.visitor_id;
    deepest.set(visitor, Math.max(deepest.get(visitor) ?? 0, depth));
  }
  return plan.steps.map((_, i) => [...deepest.values()].filter((d) => d > i).length);
}

const leaf = (
  dimension: string,
  values: string[],
  op: 'is' | 'is_not' | 'contains' | 'matches' = 'is',
): FilterExpr => ({ kind: 'leaf', op, dimension: dimension as never, values });
const GOALS: Goal[] = [
  {
    id: 'g1',
    siteId: SITE,
    name: 'Pro signup',
    pagePath: null,
    eventName: 'signup',
    property: { key: 'plan', value: 'pro' },
  },
  { id: 'g2', siteId: SITE, name: 'Pricing', pagePath: '/pri*', eventName: null, property: null },
];
const FUNNELS: Array<{ name: string; steps: FilterExpr[]; filter?: FilterExpr }> = [
  {
    name: 'pages then signup',
    steps: [
      leaf('event:page', ['/']),
      leaf('event:page', ['/pricing']),
      leaf('event:name', ['signup']),
    ],
  },
  {
    name: 'overlapping steps',
    steps: [
      leaf('event:name', ['page_view']),
      leaf('event:page', ['/pricing', '/signup']),
      leaf('event:name', ['purchase']),
    ],
  },
  {
    name: 'goals as steps',
    steps: [leaf('event:goal', ['Pricing']), leaf('event:goal', ['Pro signup'])],
  },
  {
    name: 'under a visit filter',
    steps: [leaf('event:page', ['/docs']), leaf('event:name', ['click'])],
    filter: leaf('visit:browser', ['Firefox']),
  },
  {
    name: 'under an event filter',
    steps: [leaf('event:page', ['/']), leaf('event:page', ['/signup'], 'contains')],
    filter: leaf('event:name', ['purchase']),
  },
  {
    name: 'regular expressions, eight steps',
    steps: ['/', '/pricing', '/signup', '/docs', '/', '/blog/a', '/pricing', '/signup'].map(
      (p, i) => leaf('event:page', [`^${p.replace('/', '\\/')}$`, `x${i}`], 'matches'),
    ),
  },
];

describe('funnels: SQL, scan and reference agree', () => {
  let store: DuckDbStore;
  const events = [...generate(7), ...generate(11)];
  beforeAll(async () => {
    store = await DuckDbStore.open({
      path: join(mkdtempSync(join(tmpdir(), 'clickstream-funnel-')), 'store.duckdb'),
      rawEventRetentionMs: 0,
      dedupeWindowMs: 86_400_000,
      visitorSecret: 'funnel-test',
    });
    // Out of order, in several commits, as a log's partitions deliver them.
    const shuffled = [...events].sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
    for (let i = 0; i < shuffled.length; i += 97)
      await store.commit({ partition: 0, nextOffset: i + 97, events: shuffled.slice(i, i + 97) });
  });
  afterAll(async () => {
    await store?.close();
  });

  for (const funnel of FUNNELS) {
    for (const [label, from, to, includeBots] of [
      ['the whole day', T0, T0 + 30 * HOUR, false],
      ['part of it, bots too', T0 + 3 * HOUR, T0 + 12 * HOUR, true],
    ] as const) {
      it(`${funnel.name}, ${label}`, async () => {
        const plan: FunnelPlan = {
          siteId: SITE,
          from,
          to,
          includeBots,
          filter: lowerGoalFilters(funnel.filter ?? null, GOALS),
          steps: funnel.steps.map((s) => lowerGoalFilters(s, GOALS)!),
        };
        const expected = referenceFunnel(
          events,
          { ...plan, filter: funnel.filter ?? null, steps: funnel.steps },
          GOALS,
        );
        const sql = await store.capabilities.funnel!.funnel(plan);
        const scan = await createScanFunnel(store.capabilities.visitSteps!).funnel(plan);
        expect(sql.visitors).toEqual(expected);
        expect(scan.visitors).toEqual(expected);
        expect(sql.rowsRead).toBe(scan.rowsRead);
        // Guards against a test that passes by finding nothing.
        if (label === 'the whole day' && funnel.name !== 'regular expressions, eight steps')
          expect(expected[1]).toBeGreaterThan(0);
        if (process.env.SHOW_FUNNELS) console.log(funnel.name, label, expected);
      });
    }
  }
});

describe('funnels and property keys on Cassandra: the scan over its raw events agrees with the reference and the embedded store', () => {
  const keyspace = `clickstream_funnel_${randomBytes(5).toString('hex')}`;
  const options: CassandraOptions = {
    contactPoints: (process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    localDataCenter: process.env.CLICKSTREAM_TEST_CASSANDRA_DC ?? 'datacenter1',
    keyspace,
    replication: 'SimpleStrategy:1',
    consistency: 'LOCAL_QUORUM',
    rawEventRetentionMs: 0,
  };
  let store: CassandraStore;
  let embedded: DuckDbStore;
  const events = [...generate(7), ...generate(11)];
  beforeAll(async () => {
    const admin = createCassandraClient(options);
    await admin.connect();
    await migrate(admin, keyspace, options.replication);
    await admin.shutdown();
    store = await openCassandraStore(options);
    embedded = await DuckDbStore.open({
      path: join(mkdtempSync(join(tmpdir(), 'clickstream-funnel-')), 'store.duckdb'),
      rawEventRetentionMs: 0,
      dedupeWindowMs: 86_400_000,
      visitorSecret: 'funnel-test',
    });
    const shuffled = [...events].sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
    for (let i = 0; i < shuffled.length; i += 97) {
      for (const s of [store, embedded])
        await s.commit({ partition: 0, nextOffset: i + 97, events: shuffled.slice(i, i + 97) });
    }
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await embedded?.close();
    const admin = createCassandraClient(options);
    await admin.connect();
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await admin.shutdown();
  });

  it(
    'gives every funnel the reference answer, over the whole day and part of it',
    { timeout: 120_000 },
    async () => {
      const funnels = funnelReaderOf(store.capabilities)!;
      expect(store.capabilities.funnel, 'Cassandra has no funnel of its own').toBeUndefined();
      expect(funnels, 'the Cassandra store offers visit steps').toBeDefined();
      let reached = 0;
      for (const funnel of FUNNELS) {
        for (const [from, to, includeBots] of [
          [T0, T0 + 30 * HOUR, false],
          [T0 + 3 * HOUR, T0 + 12 * HOUR, true],
        ] as const) {
          const plan: FunnelPlan = {
            siteId: SITE,
            from,
            to,
            includeBots,
            filter: lowerGoalFilters(funnel.filter ?? null, GOALS),
            steps: funnel.steps.map((s) => lowerGoalFilters(s, GOALS)!),
          };
          const expected = referenceFunnel(
            events,
            { ...plan, filter: funnel.filter ?? null, steps: funnel.steps },
            GOALS,
          );
          expect((await funnels.funnel(plan)).visitors, `${funnel.name} ${from}`).toEqual(expected);
          reached += expected[1]!;
        }
      }
      expect(reached).toBeGreaterThan(0);
    },
  );

  it('lists the property keys the embedded store lists', async () => {
    for (const filter of [
      null,
      leaf('event:name', ['signup']),
      leaf('visit:browser', ['Chrome']),
    ]) {
      const plan = { siteId: SITE, from: T0, to: T0 + 30 * HOUR, includeBots: false, filter };
      const keys = await store.capabilities.propertyKeys!.propertyKeys(plan, 10);
      expect(keys).toEqual(await embedded.capabilities.propertyKeys!.propertyKeys(plan, 10));
      if (filter === null) expect(keys[0]?.events).toBeGreaterThan(0);
    }
  });
});
