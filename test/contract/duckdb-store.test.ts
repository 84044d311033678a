import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStatsRequest } from '../../src/domain/stats/parse-request.js';
import { toErrorBody } from '../../src/http/error-handler.js';
import { createStatsEngine } from '../../src/query/stats/stats-engine.js';
import { isUnavailable } from '../../src/store/duckdb/duckdb-errors.js';
import { DuckDbStore, type DuckDbStoreOptions } from '../../src/store/duckdb/duckdb-store.js';
import { makeEvent } from '../support/events.js';
import { describeCapabilityContract } from './store-capabilities.contract.js';
import { describeStoreContract } from './store.contract.js';

/** A store in a fresh folder, reopened on the same file. */
const contractStore =
  (options: Partial<DuckDbStoreOptions> = {}) =>
  async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.duckdb');
    return {
      open: () =>
        DuckDbStore.open({
          path,
          rawEventRetentionMs: 0,
          dedupeWindowMs: 86_400_000,
          visitorSecret: 'contract-test-secret',
          ...options,
        }),
    };
  };

describeStoreContract('DuckDbStore', contractStore());

describeStoreContract(
  'DuckDbStore, small commits moved into the shards often',
  contractStore({ recentEvents: { smallCommitEvents: 3, moveRows: 7 } }),
);

describeCapabilityContract('DuckDbStore', async () => (await contractStore()()).open(), [
  'commitTogether',
  'funnel',
  'visitSteps',
  'propertyKeys',
]);

describe('DuckDbStore unavailable', () => {
  it('answers STORE_UNAVAILABLE (HTTP 503), not a 500, once it is closing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.duckdb');
    const store = await DuckDbStore.open({
      path,
      rawEventRetentionMs: 0,
      dedupeWindowMs: 86_400_000,
      visitorSecret: 'contract-test-secret',
    });
    await store.ping();
    await store.close();
    const calls = [
      () => store.ping(),
      () => store.sites(10),
      () => store.checkpoint(0),
      () => store.commit({ partition: 0, nextOffset: 1, events: [makeEvent()] }),
      () => store.eraseVisitor('test-site', 'v'),
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
  });

  it('maps DuckDB errors that mean "not now" to STORE_UNAVAILABLE and leaves mistakes alone', () => {
    expect(isUnavailable(new Error('IO Error: No space left on device'))).toBe(true);
    expect(isUnavailable(new Error('Connection Error: Connection already closed!'))).toBe(true);
    expect(isUnavailable(new Error('Binder Error: Referenced column "x" not found'))).toBe(false);
  });
});

describe('DuckDbStore daily rollups', () => {
  it('answer the site and a page exactly as the raw events do, over whole and partial days, by day, with and without bots', async () => {
    const open = (rollups: boolean) =>
      DuckDbStore.open({
        path: join(mkdtempSync(join(tmpdir(), 'clickstream-rollup-')), 'store.duckdb'),
        rawEventRetentionMs: 0,
        dedupeWindowMs: 86_400_000,
        visitorSecret: 's',
        rollups,
      });
    const [withRollups, rawOnly] = [await open(true), await open(false)];
    try {
      const day = 86_400_000;
      const t0 = Math.floor(Date.now() / day) * day - 5 * day;
      const events = Array.from({ length: 3000 }, (_, i) =>
        makeEvent({
          visitor_id: `v${(i * 7) % 450}`,
          page: `/p${i % 7}`,
          timestamp: t0 + ((i * 997) % (4 * day)),
          is_bot: i % 13 === 0,
          event_type: i % 3 === 0 ? 'click' : 'page_view',
        }),
      );
      for (let i = 0; i < events.length; i += 700) {
        for (const store of [withRollups, rawOnly])
          await store.commit({
            partition: 0,
            nextOffset: i + 700,
            events: events.slice(i, i + 700),
          });
      }
      const ask = (store: DuckDbStore, query: Record<string, unknown>) =>
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
      ].map(([a, b]) => [new Date(a!).toISOString(), new Date(b! - 1).toISOString()]);
      let fromRollups = 0;
      const compare = async () => {
        for (const date_range of ranges) {
          for (const filters of [[], [['is', 'event:page', ['/p3']]]]) {
            for (const extra of [{}, { dimensions: ['time:day'] }, { include: { bots: true } }]) {
              const query = {
                date_range,
                filters,
                metrics: ['visitors', 'pageviews', 'events'],
                ...extra,
              };
              const [rolled, raw] = [await ask(withRollups, query), await ask(rawOnly, query)];
              expect(rolled.answer.results, JSON.stringify(query)).toEqual(raw.answer.results);
              if (rolled.answer.meta.rows_read < raw.answer.meta.rows_read) fromRollups++;
            }
          }
        }
      };
      await compare();
      // A visitor leaves: the rollups of their days are recounted.
      for (const store of [withRollups, rawOnly])
        expect(await store.eraseVisitor('test-site', 'v7')).toBeGreaterThan(0);
      await compare();
      // Most of these read a day's rollup row instead of its events.
      expect(fromRollups).toBeGreaterThanOrEqual(12);
    } finally {
      await withRollups.close();
      await rawOnly.close();
    }
  }, 120_000);
});

describe('DuckDbStore commitTogether', () => {
  it("commits a pass of several partitions in one transaction with the same answers as one commit per partition, and skips a batch whose partition's checkpoint is past it", async () => {
    const open = () =>
      DuckDbStore.open({
        path: join(mkdtempSync(join(tmpdir(), 'clickstream-together-')), 'store.duckdb'),
        rawEventRetentionMs: 0,
        dedupeWindowMs: 86_400_000,
        visitorSecret: 's',
      });
    const [separate, together] = [await open(), await open()];
    try {
      const minute = 60_000;
      const t0 = Date.now() - 6 * 3_600_000;
      // Two sites, visitors on several partitions, visits that go on across passes.
      const events = Array.from({ length: 1200 }, (_, i) =>
        makeEvent({
          site_id: i % 5 === 0 ? 'other-site' : 'test-site',
          visitor_id: `v${(i * 11) % 90}`,
          page: `/p${(i * 7) % 13}`,
          timestamp: t0 + i * 17_000 + ((i * 7919) % 5) * minute,
          is_bot: i % 29 === 0,
          event_type: i % 4 === 0 ? 'click' : 'page_view',
        }),
      );
      const partitionOf = (visitorId: string) => Number(visitorId.slice(1)) % 4;
      const offsets = [0, 0, 0, 0];
      for (let i = 0; i < events.length; i += 100) {
        const pass = [0, 1, 2, 3]
          .map((partition) => {
            const slice = events
              .slice(i, i + 100)
              .filter((e) => partitionOf(e.visitor_id) === partition);
            offsets[partition]! += slice.length;
            return { partition, nextOffset: offsets[partition]!, events: slice };
          })
          .filter((b) => b.events.length > 0);
        for (const batch of pass) await separate.commit(batch);
        expect(await together.capabilities.commitTogether!.commitTogether(pass)).toEqual({
          stored: 100,
          duplicates: 0,
        });
      }
      for (const p of [0, 1, 2, 3])
        expect(await together.checkpoint(p)).toBe(await separate.checkpoint(p));
      // An explicit range: 'day' would miss the events when the test runs soon after midnight.
      const range = [new Date(t0 - minute).toISOString(), new Date().toISOString()];
      const ask = (store: DuckDbStore, site: string, query: Record<string, unknown>) =>
        createStatsEngine({
          reader: store,
          goals: async () => [],
          timezoneOf: () => 'UTC',
          maxRangeDays: 400,
        }).run(parseStatsRequest({ site_id: site, date_range: range, ...query }));
      const metrics = [
        'visitors',
        'visits',
        'pageviews',
        'events',
        'bounce_rate',
        'visit_duration',
      ];
      for (const site of ['test-site', 'other-site']) {
        for (const extra of [
          {},
          { dimensions: ['event:page'], metrics: ['visitors', 'pageviews', 'events'] },
          { dimensions: ['visit:entry_page'] },
          { include: { bots: true } },
        ]) {
          const query = { metrics, ...extra };
          const [a, b] = [await ask(separate, site, query), await ask(together, site, query)];
          expect(b.answer.results, `${site} ${JSON.stringify(query)}`).toEqual(a.answer.results);
          expect(a.answer.results.length).toBeGreaterThan(0);
        }
      }
      // A replayed pass changes nothing; a pass whose first batch was committed stores only the rest.
      const late = makeEvent({ visitor_id: 'v1', timestamp: t0 + 5 * minute });
      const replay = [
        { partition: 1, nextOffset: offsets[1]!, events: [events[1]!] },
        { partition: 2, nextOffset: offsets[2]! + 1, events: [late] },
      ];
      expect(await together.capabilities.commitTogether!.commitTogether(replay)).toEqual({
        stored: 1,
        duplicates: 1,
      });
      expect(await together.capabilities.commitTogether!.commitTogether(replay)).toEqual({
        stored: 0,
        duplicates: 2,
      });
      expect(await together.checkpoint(2)).toBe(offsets[2]! + 1);
      const [total] = (await ask(together, 'test-site', { metrics: ['events'] })).answer.results;
      const [before] = (await ask(separate, 'test-site', { metrics: ['events'] })).answer.results;
      expect(total!.metrics[0]).toBe(Number(before!.metrics[0]) + 1);
    } finally {
      await separate.close();
      await together.close();
    }
  }, 120_000);
});
