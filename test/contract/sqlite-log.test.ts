import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  partitionFor,
  SqliteLog,
  type SqliteLogOptions,
} from '../../src/event-log/sqlite/sqlite-log.js';
import type { ConsumeOptions, PartitionBatch } from '../../src/ports/event-log.js';
import { eventually } from '../support/events.js';
import { describeEventLogContract } from './event-log.contract.js';

describeEventLogContract('SqliteLog', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'clickstream-log-')), 'event-log.db');
  return {
    open: async () =>
      new SqliteLog({
        path,
        partitions: 4,
        maxPendingBytes: 16 * 1024 * 1024,
        retentionMs: 0,
        logger: pino({ level: 'silent' }),
        pollIntervalMs: 50,
      }),
    groupId: (name) => `group-${name}`,
    deadLetters: (log) => (log as SqliteLog).deadLetterQueue(),
  };
});

/** What the embedded log does beyond the shared contract: record batches, their migration, retention, several writers. */
describe('SqliteLog record batches', { timeout: 60_000 }, () => {
  const silent = pino({ level: 'silent' });
  const opened: SqliteLog[] = [];
  afterEach(async () => {
    for (const log of opened.splice(0)) await log.close();
  });
  const newPath = () => join(mkdtempSync(join(tmpdir(), 'clickstream-log-')), 'event-log.db');
  const openLog = (path: string, extra: Partial<SqliteLogOptions> = {}) => {
    const log = new SqliteLog({
      path,
      partitions: 4,
      maxPendingBytes: 16 * 1024 * 1024,
      retentionMs: 0,
      logger: silent,
      pollIntervalMs: 50,
      lingerMs: 10,
      ...extra,
    });
    opened.push(log);
    return log;
  };
  const value = (n: number) => Buffer.from(JSON.stringify({ n, text: 'é€😀' }));
  const readAll = async (
    log: SqliteLog,
    groupId: string,
    expected: number,
    options: Partial<ConsumeOptions> = {},
  ) => {
    const batches: PartitionBatch[] = [];
    const consumer = await log.consume({
      groupId,
      resumeFrom: () => Promise.resolve(null),
      handle: async (b) => void batches.push(b),
      ...options,
    });
    await eventually(
      async () => batches.reduce((n, b) => n + b.records.length, 0),
      (n) => n >= expected,
    );
    await consumer.close();
    return batches;
  };

  it('hands a batch out in pieces when the consumer asks for fewer records, resuming inside it', async () => {
    const log = openLog(newPath());
    await log.append(
      Array.from({ length: 25 }, (_, n) => ({ key: 'one-visitor', value: value(n) })),
    );
    const batches = await readAll(log, 'small', 25, { maxBatchRecords: 7 });
    expect(batches.map((b) => b.records.length)).toEqual([7, 7, 7, 4]);
    const records = batches.flatMap((b) => b.records);
    expect(records.map((r) => JSON.parse(r.value.toString()).n)).toEqual(
      Array.from({ length: 25 }, (_, n) => n),
    );
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 25 }, (_, n) => n));
    expect(
      records.every(
        (r) => r.key === 'one-visitor' && JSON.parse(r.value.toString()).text === 'é€😀',
      ),
    ).toBe(true);
  });

  it('hands a pass over several partitions to handleTogether in one call, redelivers it whole when it fails, and commits the offsets after it', async () => {
    const path = newPath();
    const log = openLog(path);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const partitions = new Set(keys.map((k) => partitionFor(k, 4)));
    expect(partitions.size).toBeGreaterThan(1);
    await log.append(keys.map((key, n) => ({ key, value: value(n) })));
    const calls: PartitionBatch[][] = [];
    const consumer = await log.consume({
      groupId: 'together',
      resumeFrom: () => Promise.resolve(null),
      handle: () =>
        Promise.reject(new Error('handle must not be called when handleTogether is given')),
      handleTogether: async (batches) => {
        calls.push(batches);
        if (calls.length === 1) throw new Error('store is down');
      },
    });
    await eventually(
      async () => calls.length,
      (n) => n >= 2,
    );
    await consumer.close();
    // The failed pass comes back whole: the same partitions, the same records, nothing skipped.
    expect(calls[1]!.map((b) => [b.partition, b.nextOffset])).toEqual(
      calls[0]!.map((b) => [b.partition, b.nextOffset]),
    );
    expect(calls[1]!.map((b) => b.partition).sort()).toEqual([...partitions].sort());
    const seen = calls[1]!.flatMap((b) => b.records.map((r) => JSON.parse(r.value.toString()).n));
    expect(seen.sort((x, y) => x - y)).toEqual(keys.map((_, n) => n));
    // Only the pass that succeeded moved the group's offsets, and it moved all of them.
    const db = new Database(path, { readonly: true });
    const offsets = db
      .prepare<[], { partition: number; offset: number }>(
        "SELECT partition, offset FROM group_offsets WHERE group_id = 'together' ORDER BY partition",
      )
      .all();
    db.close();
    expect(offsets.map((o) => [o.partition, o.offset])).toEqual(
      calls[1]!.map((b) => [b.partition, b.nextOffset]).sort((x, y) => x[0]! - y[0]!),
    );
  });

  it('puts batches together only up to maxBatchRecords, so a busy log hands over no larger unit of work than before', async () => {
    const log = openLog(newPath());
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    // Two records on each of the four partitions.
    expect(keys.map((k) => partitionFor(k, 4))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    await log.append(keys.map((key, n) => ({ key, value: value(n) })));
    const calls: PartitionBatch[][] = [];
    const consumer = await log.consume({
      groupId: 'together-capped',
      maxBatchRecords: 4,
      resumeFrom: () => Promise.resolve(null),
      handle: () => Promise.reject(new Error('not called')),
      handleTogether: async (batches) => void calls.push(batches),
    });
    await eventually(
      async () => calls.flat().reduce((n, b) => n + b.records.length, 0),
      (n) => n >= keys.length,
    );
    await consumer.close();
    expect(calls.map((c) => c.map((b) => b.partition))).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('gives two logs on one file (two processes) unique, consecutive offsets', async () => {
    const path = newPath();
    const a = openLog(path);
    const b = openLog(path);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).append([{ key: 'shared', value: value(i) }]),
      ),
    );
    const records = (await readAll(a, 'two-writers', 40)).flatMap((x) => x.records);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(new Set(records.map((r) => JSON.parse(r.value.toString()).n)).size).toBe(40);
  });

  it('reads a log written before record batches, record for record, and appends after it', async () => {
    const path = newPath();
    const old = new Database(path);
    old.exec(`CREATE TABLE records (partition INTEGER NOT NULL, offset INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (partition, offset)) WITHOUT ROWID;
      CREATE TABLE group_offsets (group_id TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL, PRIMARY KEY (group_id, partition)) WITHOUT ROWID;
      CREATE TABLE log_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO log_meta VALUES ('partitions', '4');`);
    const insert = old.prepare('INSERT INTO records VALUES (?, ?, ?, ?, ?)');
    // Partition 2 has a gap (offsets 0-2 expired) and two commit times; partition 0 one record.
    const keyOn = (partition: number, not = '') =>
      Array.from({ length: 100 }, (_, i) => `key-${i}`).find(
        (k) => partitionFor(k, 4) === partition && k !== not,
      )!;
    const [a, b, z] = [keyOn(2), keyOn(2, keyOn(2)), keyOn(0)];
    const rows = [
      [2, 3, a, 1000],
      [2, 4, a, 1000],
      [2, 5, b, 2000],
      [2, 6, b, 2000],
      [0, 0, z, 1500],
    ] as const;
    rows.forEach(([p, o, k, ts], n) => insert.run(p, o, k, value(n), ts));
    old.prepare('INSERT INTO group_offsets VALUES (?, ?, ?)').run('processor', 2, 5);
    old.close();

    const log = openLog(path);
    const records = (await readAll(log, 'fresh', 5)).flatMap((b) => b.records);
    const seen = records
      .map((r) => [r.partition, r.offset, r.key, r.timestamp, JSON.parse(r.value.toString()).n])
      .sort((x, y) => Number(x[0]) - Number(y[0]) || Number(x[1]) - Number(y[1]));
    expect(seen).toEqual([
      [0, 0, z, 1500, 4],
      [2, 3, a, 1000, 0],
      [2, 4, a, 1000, 1],
      [2, 5, b, 2000, 2],
      [2, 6, b, 2000, 3],
    ]);
    // A group resumes from its committed offset, inside a migrated batch (and from 0 where it has none).
    const resumed = (await readAll(log, 'processor', 3)).flatMap((b) => b.records);
    expect(resumed.map((r) => [r.partition, r.offset]).sort()).toEqual([
      [0, 0],
      [2, 5],
      [2, 6],
    ]);
    // New appends continue each partition's offsets.
    await log.append([{ key: a, value: value(99) }]);
    const next = (await readAll(log, 'processor', 1)).flatMap((b) => b.records);
    expect(next.map((r) => [r.partition, r.offset])).toEqual([[2, 7]]);
    const check = new Database(path, { readonly: true });
    expect(
      check.prepare("SELECT name FROM sqlite_master WHERE name = 'records'").get(),
    ).toBeUndefined();
    check.close();
  });

  it('deletes, with retention, only whole batches every group has read past', async () => {
    const path = newPath();
    const log = openLog(path, { retentionMs: 1 });
    await log.append([0, 1, 2].map((n) => ({ key: 'k', value: value(n) })));
    await log.append([3, 4].map((n) => ({ key: 'k', value: value(n) })));
    const partition = (await readAll(log, 'reader', 5))[0]!.partition;
    // Another group is at offset 4: inside the second batch.
    const other = new Database(path);
    other.prepare('INSERT INTO group_offsets VALUES (?, ?, ?)').run('slow', partition, 4);
    other.close();
    await new Promise((r) => setTimeout(r, 5));
    expect(await log.expire(Date.now())).toBe(1);
    const left = (await readAll(log, 'late', 2)).flatMap((b) => b.records);
    expect(left.map((r) => r.offset)).toEqual([3, 4]);
  });

  it('refuses appends past maxPendingBytes with LOG_OVERLOADED, and takes them again once written', async () => {
    const log = openLog(newPath(), { maxPendingBytes: 4096 });
    const big = { key: 'k', value: Buffer.alloc(3000, 1) };
    const first = log.append([big]);
    await expect(log.append([big])).rejects.toMatchObject({ code: 'LOG_OVERLOADED' });
    await first;
    await expect(log.append([big])).resolves.toBeUndefined();
  });
});

describe('SqliteLog retention', () => {
  it('never empties a partition: offsets go on from the last one, so checkpoints stay valid', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clickstream-log-')), 'event-log.db');
    const log = new SqliteLog({
      path,
      partitions: 1,
      maxPendingBytes: 1 << 20,
      retentionMs: 1,
      logger: pino({ level: 'silent' }),
      pollIntervalMs: 50,
    });
    try {
      // Three appends, three record batches.
      for (const n of [0, 1, 2]) await log.append([{ key: 'k', value: Buffer.from(String(n)) }]);
      const seen: number[] = [];
      const consumer = await log.consume({
        groupId: 'g',
        resumeFrom: () => Promise.resolve(null),
        handle: async (b) => void seen.push(...b.records.map((r) => r.offset)),
      });
      await eventually(
        async () => seen.length,
        (n) => n >= 3,
      );
      await consumer.close();
      // Every record is committed and older than retention: all but the last batch may go.
      expect(await log.expire(Date.now() + 60_000)).toBe(2);
      await log.append([{ key: 'k', value: Buffer.from('3') }]);
      const after: number[] = [];
      const resumed = await log.consume({
        groupId: 'g',
        resumeFrom: () => Promise.resolve(3),
        handle: async (b) => void after.push(...b.records.map((r) => r.offset)),
      });
      await eventually(
        async () => after.length,
        (n) => n >= 1,
      );
      await resumed.close();
      expect(after).toEqual([3]);
    } finally {
      await log.close();
    }
  });
});
