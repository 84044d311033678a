import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('SqliteStore', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'clickstream-store-')), 'store.db');
  return { open: async () => new SqliteStore({ path, rawEventRetentionMs: 0 }) };
});
