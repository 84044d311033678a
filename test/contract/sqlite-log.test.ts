import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SqliteLog } from '../../src/event-log/sqlite/sqlite-log.js';
import { describeEventLogContract } from './event-log.contract.js';

describeEventLogContract('SqliteLog', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'clickstream-log-')), 'event-log.db');
  return {
    open: async () => new SqliteLog({ path, partitions: 4, maxPendingBytes: 16 * 1024 * 1024, retentionMs: 0, logger: pino({ level: 'silent' }), pollIntervalMs: 50 }),
    groupId: (name) => `group-${name}`,
  };
});
