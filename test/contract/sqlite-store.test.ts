import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toErrorBody } from '../../src/http/error-handler.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeEvent } from '../support/events.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('SqliteStore', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.db');
  return { open: async () => new SqliteStore({ path, rawEventRetentionMs: 0 }) };
});

describe('SqliteStore unavailable', () => {
  it('answers STORE_UNAVAILABLE (HTTP 503) while another process holds the write lock, and writes again after', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.db');
    const store = new SqliteStore({ path, rawEventRetentionMs: 0 });
    const other = new Database(path);
    try {
      await store.ping();
      // Another process (a second writer, a sqlite3 shell) holds the write lock past busy_timeout.
      other.exec('BEGIN IMMEDIATE');
      const failures = await Promise.all([
        store.commit({ partition: 0, nextOffset: 1, events: [makeEvent()] }).then(() => undefined, (e: unknown) => e),
        store.eraseVisitor('test-site', 'visitor-1').then(() => undefined, (e: unknown) => e),
      ]);
      for (const failure of failures) {
        expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect(toErrorBody(failure as never)).toMatchObject({ statusCode: 503, code: 'STORE_UNAVAILABLE' });
      }
      // WAL readers are not blocked by a writer: queries and readiness keep answering.
      await expect(store.ping()).resolves.toBeUndefined();
      other.exec('COMMIT');
      expect(await store.commit({ partition: 0, nextOffset: 1, events: [makeEvent()] })).toEqual({ stored: 1, duplicates: 0 });
    } finally {
      other.close();
      await store.close();
    }
  }, 30_000);
});
