import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toErrorBody } from '../../src/http/error-handler.js';
import { isUnavailable } from '../../src/store/duckdb/duckdb-errors.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { makeEvent } from '../support/events.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('DuckDbStore', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.duckdb');
  return { open: () => DuckDbStore.open({ path, rawEventRetentionMs: 0, dedupeWindowMs: 86_400_000, visitorSecret: 'contract-test-secret' }) };
});

describe('DuckDbStore unavailable', () => {
  it('answers STORE_UNAVAILABLE (HTTP 503), not a 500, once it is closing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.duckdb');
    const store = await DuckDbStore.open({ path, rawEventRetentionMs: 0, dedupeWindowMs: 86_400_000, visitorSecret: 'contract-test-secret' });
    await store.ping();
    await store.close();
    const calls = [() => store.ping(), () => store.sites(10), () => store.checkpoint(0), () => store.commit({ partition: 0, nextOffset: 1, events: [makeEvent()] }), () => store.eraseVisitor('test-site', 'v')];
    for (const call of calls) {
      const failure = await call().then(() => undefined, (e: unknown) => e);
      expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(toErrorBody(failure as never)).toMatchObject({ statusCode: 503, code: 'STORE_UNAVAILABLE' });
    }
  });

  it('maps DuckDB errors that mean "not now" to STORE_UNAVAILABLE and leaves mistakes alone', () => {
    expect(isUnavailable(new Error('IO Error: No space left on device'))).toBe(true);
    expect(isUnavailable(new Error('Connection Error: Connection already closed!'))).toBe(true);
    expect(isUnavailable(new Error('Binder Error: Referenced column "x" not found'))).toBe(false);
  });
});
