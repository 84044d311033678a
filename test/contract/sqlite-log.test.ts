import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SqliteLog } from '../../src/event-log/sqlite/sqlite-log.js';
import { eventually } from '../support/events.js';
import { describeEventLogContract } from './event-log.contract.js';

describeEventLogContract('SqliteLog', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'clickstream-log-')), 'event-log.db');
  return {
    open: async () => new SqliteLog({ path, partitions: 4, maxPendingBytes: 16 * 1024 * 1024, retentionMs: 0, logger: pino({ level: 'silent' }), pollIntervalMs: 50 }),
    groupId: (name) => `group-${name}`,
    deadLetters: (log) => (log as SqliteLog).deadLetterQueue(),
  };
});

describe('SqliteLog retention', () => {
  it('never empties a partition: offsets go on from the last one, so checkpoints stay valid', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clickstream-log-')), 'event-log.db');
    const log = new SqliteLog({ path, partitions: 1, maxPendingBytes: 1 << 20, retentionMs: 1, logger: pino({ level: 'silent' }), pollIntervalMs: 50 });
    try {
      await log.append([0, 1, 2].map((n) => ({ key: 'k', value: Buffer.from(String(n)) })));
      const seen: number[] = [];
      const consumer = await log.consume({ groupId: 'g', resumeFrom: () => Promise.resolve(null), handle: async (b) => void seen.push(...b.records.map((r) => r.offset)) });
      await eventually(async () => seen.length, (n) => n >= 3);
      await consumer.close();
      // Every record is committed and older than retention: all but the last may go.
      expect(log.expire(Date.now() + 60_000)).toBe(2);
      await log.append([{ key: 'k', value: Buffer.from('3') }]);
      const after: number[] = [];
      const resumed = await log.consume({ groupId: 'g', resumeFrom: () => Promise.resolve(3), handle: async (b) => void after.push(...b.records.map((r) => r.offset)) });
      await eventually(async () => after.length, (n) => n >= 1);
      await resumed.close();
      expect(after).toEqual([3]);
    } finally {
      await log.close();
    }
  });
});
