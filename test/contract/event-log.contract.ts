import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetterQueue } from '../../src/ports/dead-letters.js';
import type { EventLog, LogConsumer, PartitionBatch } from '../../src/ports/event-log.js';
import { eventually } from '../support/events.js';

/**
 * The EventLog contract: every adapter (SqliteLog, KafkaLog) must pass it against the real thing.
 * A harness gives a fresh, empty log (a new file or a new topic); `open` may be called again to get
 * a second client over the same storage, as a restarted process would.
 */
export interface LogHarness {
  open(): Promise<EventLog>;
  /** Consumer group ids must be unique per harness so runs do not see each other's offsets. */
  groupId(name: string): string;
  /** The parked records of a log opened by this harness (its dead-letter topic or table). */
  deadLetters(log: EventLog): DeadLetterQueue;
}

const record = (key: string, n: number) => ({
  key,
  value: Buffer.from(JSON.stringify({ key, n })),
});
const decode = (value: Buffer) => JSON.parse(value.toString()) as { key: string; n: number };

export function describeEventLogContract(
  name: string,
  newHarness: () => Promise<LogHarness>,
  timeoutMs = 20_000,
): void {
  describe(`EventLog contract: ${name}`, { timeout: timeoutMs * 3 }, () => {
    const closers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      while (closers.length) await closers.pop()!();
    });
    const open = async (h: LogHarness) => {
      const log = await h.open();
      closers.push(() => log.close());
      return log;
    };
    const collect = async (
      log: EventLog,
      groupId: string,
      resumeFrom: (p: number) => Promise<number | null> = () => Promise.resolve(null),
    ) => {
      const batches: PartitionBatch[] = [];
      const consumer = await log.consume({
        groupId,
        resumeFrom,
        handle: async (b) => void batches.push(b),
      });
      const wrapped: LogConsumer = {
        lag: () => consumer.lag(),
        stopped: () => consumer.stopped(),
        close: () => consumer.close(),
      };
      closers.push(() => consumer.close());
      const records = () => batches.flatMap((b) => b.records);
      return { batches, records, consumer: wrapped };
    };

    it('delivers every appended record once, in key order, with consecutive offsets per partition', async () => {
      const h = await newHarness();
      const log = await open(h);
      const keys = ['site:a', 'site:b', 'site:c', 'site:d', 'site:e'];
      await log.append(keys.flatMap((k) => [0, 1, 2, 3].map((n) => record(k, n))));
      await log.append(keys.map((k) => record(k, 4)));
      const { records, batches } = await collect(log, h.groupId('order'));
      await eventually(
        async () => records().length,
        (n) => n >= 25,
        timeoutMs,
      );
      expect(records()).toHaveLength(25);
      for (const k of keys) {
        const mine = records().filter((r) => r.key === k);
        expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
        expect(mine.map((r) => decode(r.value).n)).toEqual([0, 1, 2, 3, 4]);
      }
      for (const b of batches) {
        const offsets = b.records.map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
        expect(b.nextOffset).toBe(offsets.at(-1)! + 1);
        expect(
          b.records.every(
            (r) => r.partition === b.partition && r.partition >= 0 && r.partition < log.partitions,
          ),
        ).toBe(true);
      }
    });

    it('resolves concurrent appends (group commit) and loses none of them', async () => {
      const h = await newHarness();
      const log = await open(h);
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => log.append([record(`v${i % 37}`, i)])),
      );
      const { records } = await collect(log, h.groupId('concurrent'));
      await eventually(
        async () => records().length,
        (n) => n >= 200,
        timeoutMs,
      );
      expect(new Set(records().map((r) => decode(r.value).n)).size).toBe(200);
    });

    it('starts a partition where resumeFrom says, skipping what the store already has', async () => {
      const h = await newHarness();
      const log = await open(h);
      await log.append([0, 1, 2, 3, 4, 5].map((n) => record('one-key', n)));
      const first = await collect(log, h.groupId('resume-a'));
      await eventually(
        async () => first.records().length,
        (n) => n >= 6,
        timeoutMs,
      );
      const partition = first.records()[0]!.partition;
      const fourth = first.records()[3]!.offset;
      const second = await collect(log, h.groupId('resume-b'), (p) =>
        Promise.resolve(p === partition ? fourth : null),
      );
      await eventually(
        async () => second.records().length,
        (n) => n >= 3,
        timeoutMs,
      );
      expect(second.records().map((r) => decode(r.value).n)).toEqual([3, 4, 5]);
    });

    it('continues a group from its committed offset after a restart', async () => {
      const h = await newHarness();
      const groupId = h.groupId('restart');
      const log = await open(h);
      await log.append([0, 1, 2].map((n) => record('k', n)));
      const first = await collect(log, groupId);
      await eventually(
        async () => first.records().length,
        (n) => n >= 3,
        timeoutMs,
      );
      await first.consumer.close();
      await log.append([3, 4].map((n) => record('k', n)));
      const reopened = await open(h);
      const second = await collect(reopened, groupId);
      // A marker after them on the same key (same partition, in order): once it arrives, anything
      // redelivered from before the restart would have arrived first.
      await reopened.append([record('k', 99)]);
      await eventually(
        async () => second.records().some((r) => decode(r.value).n === 99),
        Boolean,
        timeoutMs,
      );
      expect(second.records().map((r) => decode(r.value).n)).toEqual([3, 4, 99]);
    });

    it('redelivers a batch whose handler failed instead of skipping it', async () => {
      const h = await newHarness();
      const log = await open(h);
      await log.append([record('retry', 1)]);
      let calls = 0;
      const seen: number[] = [];
      const consumer = await log.consume({
        groupId: h.groupId('retry'),
        resumeFrom: () => Promise.resolve(null),
        handle: async (b) => {
          calls++;
          if (calls === 1) throw new Error('store is down');
          seen.push(...b.records.map((r) => decode(r.value).n));
        },
      });
      closers.push(() => consumer.close());
      await eventually(
        async () => seen.length,
        (n) => n >= 1,
        timeoutMs,
      );
      expect(seen).toEqual([1]);
      expect(calls).toBeGreaterThanOrEqual(2);
    });

    it('keeps appended records across a reopen (durable)', async () => {
      const h = await newHarness();
      const log = await h.open();
      await log.append([record('durable', 7)]);
      await log.close();
      const reopened = await open(h);
      const { records } = await collect(reopened, h.groupId('durable'));
      await eventually(
        async () => records().length,
        (n) => n >= 1,
        timeoutMs,
      );
      expect(decode(records()[0]!.value).n).toBe(7);
    });

    it('reports the records waiting as lag on their partition, and none once they are handled', async () => {
      const h = await newHarness();
      const log = await open(h);
      await log.append([record('lag', 1)]);
      // The handler holds the first batch, so whatever is appended meanwhile waits behind it.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const handled: number[] = [];
      let partition = -1;
      const consumer = await log.consume({
        groupId: h.groupId('lag'),
        resumeFrom: () => Promise.resolve(null),
        handle: async (b) => {
          partition = b.partition;
          await held;
          handled.push(...b.records.map((r) => decode(r.value).n));
        },
      });
      closers.push(() => consumer.close());
      // Closers run last-in first-out: the handler is let go before the consumer is closed.
      closers.push(async () => release());
      await eventually(
        async () => partition,
        (p) => p >= 0,
        timeoutMs,
      );
      await log.append([2, 3, 4].map((n) => record('lag', n)));
      const waiting = await eventually(
        () => consumer.lag(),
        (l) => (l.get(partition) ?? 0) >= 3,
        timeoutMs,
      );
      expect(waiting.get(partition)).toBeGreaterThanOrEqual(3);
      release();
      await eventually(
        async () => handled.length,
        (n) => n >= 4,
        timeoutMs,
      );
      const lag = await eventually(
        () => consumer.lag(),
        (l) => l.get(partition) === 0,
        timeoutMs,
      );
      expect([...lag.values()].every((v) => v === 0)).toBe(true);
    });

    it('stops a partition whose resume offset is past the end of the log, and reads the others', async () => {
      const h = await newHarness();
      const log = await open(h);
      const keys = Array.from({ length: 12 }, (_, i) => `wiped-${i}`);
      await log.append(keys.map((k) => record(k, 1)));
      const probe = await collect(log, h.groupId('wiped-probe'));
      await eventually(
        async () => probe.records().length,
        (n) => n >= keys.length,
        timeoutMs,
      );
      const partitionOf = new Map(probe.records().map((r) => [r.key, r.partition]));
      const ahead = partitionOf.get('wiped-0')!;
      const others = keys.filter((k) => partitionOf.get(k) !== ahead);
      expect(others.length, 'the keys spread over more than one partition').toBeGreaterThan(0);
      // The store says partition `ahead` was processed up to offset 1000 of a log that has a few records:
      // the log was recreated under it.
      const second = await collect(log, h.groupId('wiped'), (p) =>
        Promise.resolve(p === ahead ? 1_000 : null),
      );
      await eventually(
        async () => second.records().length,
        (n) => n >= others.length,
        timeoutMs,
      );
      expect(second.records().every((r) => r.partition !== ahead)).toBe(true);
      const stopped = second.consumer.stopped();
      expect([...stopped.keys()]).toEqual([ahead]);
      expect(stopped.get(ahead)).toMatch(
        /resumes at offset 1000 but the log ends at \d+.*clickstream checkpoints reset --partition/,
      );
      expect((await second.consumer.lag()).has(ahead)).toBe(false);
    });

    it('starts a new group at the end of the log when asked for latest', async () => {
      const h = await newHarness();
      const log = await open(h);
      await log.append([record('live', 1)]);
      const seen: number[] = [];
      const consumer = await log.consume({
        groupId: h.groupId('latest'),
        startAt: 'latest',
        resumeFrom: () => Promise.resolve(null),
        handle: async (b) => void seen.push(...b.records.map((r) => decode(r.value).n)),
      });
      closers.push(() => consumer.close());
      await log.append([record('live', 2)]);
      await log.append([record('live', 99)]);
      await eventually(async () => seen.includes(99), Boolean, timeoutMs);
      expect(seen).toEqual([2, 99]);
      // Ephemeral: nothing committed, so the same group id starts at the end again.
      await consumer.close();
      const again: number[] = [];
      const second = await log.consume({
        groupId: h.groupId('latest'),
        startAt: 'latest',
        resumeFrom: () => Promise.resolve(null),
        handle: async (b) => void again.push(...b.records.map((r) => decode(r.value).n)),
      });
      closers.push(() => second.close());
      await log.append([record('live', 3)]);
      await eventually(
        async () => again.length,
        (n) => n >= 1,
        timeoutMs,
      );
      expect(again).toEqual([3]);
    });

    it('parks a dead letter with its reason, lists it, and replays it into the log once', async () => {
      const h = await newHarness();
      const log = await open(h);
      const queue = h.deadLetters(log);
      closers.push(() => queue.close());
      await log.append([record('dlq', 1), record('dlq', 2)]);
      const { records } = await collect(log, h.groupId('dlq'));
      await eventually(
        async () => records().length,
        (n) => n >= 2,
        timeoutMs,
      );
      const parked = records()[0]!;
      await log.deadLetter(parked, 'not an event');
      const pending = await eventually(
        () => queue.pending(10),
        (l) => l.length >= 1,
        timeoutMs,
      );
      expect(pending).toHaveLength(1);
      expect(pending[0]).toMatchObject({
        partition: parked.partition,
        offset: parked.offset,
        key: 'dlq',
        reason: 'not an event',
      });
      expect(decode(pending[0]!.value)).toEqual({ key: 'dlq', n: 1 });
      expect(pending[0]!.parkedAt).toBeGreaterThan(Date.now() - 60_000);

      expect(await queue.replay()).toBe(1);
      expect(await queue.pending(10)).toEqual([]);
      expect(await queue.replay()).toBe(0);
      // Back in the log after the records already there, same key and bytes, at a new offset.
      await eventually(
        async () => records().length,
        (n) => n >= 3,
        timeoutMs,
      );
      const replayed = records()[2]!;
      expect(replayed).toMatchObject({ key: 'dlq', partition: parked.partition });
      expect(replayed.offset).toBeGreaterThan(records()[1]!.offset);
      expect(decode(replayed.value)).toEqual({ key: 'dlq', n: 1 });
    });
  });
}
