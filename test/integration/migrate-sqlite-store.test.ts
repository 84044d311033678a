import Database from 'better-sqlite3';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADDED_FIELDS } from '../../src/domain/tracked-event.js';
import { createLogger } from '../../src/observability/logger.js';
import { createStatsEngine } from '../../src/query/stats/stats-engine.js';
import { openMigratingSqliteStore } from '../../src/store/duckdb/migrate-sqlite-store.js';
import { makeEvent } from '../support/events.js';

/** A data folder of the pre-columnar layout: SQLite `store.db` with raw events (JSON bodies) and checkpoints. */
function oldDataFolder(
  events: ReturnType<typeof makeEvent>[],
  checkpoints: Record<number, number>,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-old-layout-'));
  const db = new Database(join(dir, 'store.db'));
  db.exec(`CREATE TABLE events (event_id TEXT PRIMARY KEY, site_id TEXT NOT NULL, visitor_id TEXT NOT NULL, page TEXT NOT NULL,
             event_type TEXT NOT NULL, ts INTEGER NOT NULL, is_bot INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE checkpoints (partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL, updated_at INTEGER NOT NULL);`);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  db.exec('BEGIN');
  for (const e of events) {
    // Bodies written before the added fields existed lack them.
    const body: Record<string, unknown> = { ...e };
    for (const field of ADDED_FIELDS) delete body[field];
    insert.run(
      e.event_id,
      e.site_id,
      e.visitor_id,
      e.page,
      e.event_type,
      e.timestamp,
      e.is_bot ? 1 : 0,
      JSON.stringify(body),
    );
  }
  db.exec('COMMIT');
  for (const [partition, offset] of Object.entries(checkpoints))
    db.prepare('INSERT INTO checkpoints VALUES (?, ?, 0)').run(Number(partition), offset);
  db.close();
  return dir;
}

describe('a data folder of the old layout', () => {
  it('is migrated on start: every raw event and checkpoint, the old file kept', async () => {
    const t0 = Date.now() - 86_400_000;
    const events = Array.from({ length: 12_345 }, (_, i) =>
      makeEvent({
        visitor_id: `v${i % 700}`,
        timestamp: t0 + i * 1_000,
        page: `/p${i % 13}`,
        event_type: i % 4 ? 'page_view' : 'click',
      }),
    );
    const dir = oldDataFolder(events, { 0: 6_000, 3: 6_345 });
    const options = {
      path: join(dir, 'store.duckdb'),
      rawEventRetentionMs: 0,
      dedupeWindowMs: 86_400_000,
      visitorSecret: 'migration-test',
    };
    const store = await openMigratingSqliteStore(
      join(dir, 'store.db'),
      options,
      createLogger('silent'),
    );
    try {
      expect(existsSync(join(dir, 'store.db'))).toBe(false);
      expect(existsSync(join(dir, 'store.db.migrated'))).toBe(true);
      expect(await store.checkpoint(0)).toBe(6_000);
      expect(await store.checkpoint(3)).toBe(6_345);
      const engine = createStatsEngine({
        reader: store,
        goals: async () => [],
        timezoneOf: () => 'UTC',
        maxRangeDays: 400,
      });
      const { answer } = await engine.run({
        siteId: 'test-site',
        metrics: ['events', 'pageviews'],
        dateRange: 'all',
        timezone: null,
        dimensions: [],
        filter: null,
        orderBy: [],
        includeBots: false,
        includeTotalRows: false,
        includeTimeLabels: false,
        limit: 10,
        offset: 0,
      });
      expect(answer.results[0]!.metrics).toEqual([
        12_345,
        events.filter((e) => e.event_type === 'page_view').length,
      ]);
      expect(
        (await store.visitorEvents({ siteId: 'test-site', visitorId: 'v1', limit: 1 })).events[0],
      ).toEqual(events.filter((e) => e.visitor_id === 'v1').at(-1));
    } finally {
      await store.close();
    }
    // A second start finds the columnar file and does nothing more.
    const again = await openMigratingSqliteStore(
      join(dir, 'store.db'),
      options,
      createLogger('silent'),
    );
    expect(await again.checkpoint(3)).toBe(6_345);
    await again.close();
  }, 60_000);
});
