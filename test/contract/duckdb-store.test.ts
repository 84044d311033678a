import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStatsRequest } from '../../src/domain/stats/parse-request.js';
import { toErrorBody } from '../../src/http/error-handler.js';
import { createStatsEngine } from '../../src/query/stats/stats-engine.js';
import { isUnavailable } from '../../src/store/duckdb/duckdb-errors.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { makeEvent } from '../support/events.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('DuckDbStore', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.duckdb');
  return {
    open: () =>
      DuckDbStore.open({
        path,
        rawEventRetentionMs: 0,
        dedupeWindowMs: 86_400_000,
        visitorSecret: 'contract-test-secret',
      }),
  };
});

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
