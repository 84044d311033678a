import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('DuckDbStore', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.duckdb');
  return { open: () => DuckDbStore.open({ path, rawEventRetentionMs: 0, dedupeWindowMs: 86_400_000, visitorSecret: 'contract-test-secret' }) };
});
