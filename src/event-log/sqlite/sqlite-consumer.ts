import type Database from 'better-sqlite3';
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type {
  ConsumeOptions,
  LogConsumer,
  LogRecord,
  PartitionBatch,
} from '../../ports/event-log.js';
import { abortableSleep as sleep } from '../abortable-sleep.js';
import { unframeBatch, type BatchRow } from './record-batch.js';

interface ConsumerDeps {
  appended: EventEmitter;
  /** Writes the group's offsets in one transaction (through the log's writer thread). */
  commitOffsets: (
    groupId: string,
    offsets: Array<[partition: number, offset: number]>,
  ) => Promise<void>;
  pollIntervalMs: number;
  /** After catching up, wait this long before reading again (see run()). */
  lingerMs: number;
  logger: Logger;
  onClose: () => void;
}

/**
 * The one member of a consumer group on the embedded log: it owns every partition, reads each
 * from its position in offset order, hands batches to the handler and commits the group offset
 * only after the handler resolves. A failing handler is retried with back-off, never skipped.
 */
export class SqliteConsumer implements LogConsumer {
  private readonly positions = new Map<number, number>();
  /** Partitions whose resume offset is past the log's end: not read (see LogConsumer.stopped). */
  private readonly halted = new Map<number, string>();
  private readonly abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private readonly readBatches: Database.Statement<[number, number], BatchRow>;
  private readonly lastOffset: Database.Statement<[number], { last: number | null }>;

  constructor(
    private readonly db: Database.Database,
    private readonly partitions: number,
    private readonly options: ConsumeOptions,
    private readonly deps: ConsumerDeps,
  ) {
    // The batch holding `position` is the first whose last offset is >= position.
    this.readBatches = db.prepare(
      'SELECT last_offset, count, ts, data FROM record_batches WHERE partition = ? AND last_offset >= ? ORDER BY last_offset',
    );
    this.lastOffset = db.prepare(
      'SELECT MAX(last_offset) AS last FROM record_batches WHERE partition = ?',
    );
  }

  async start(): Promise<void> {
    const committed = this.db.prepare<[string, number], { offset: number }>(
      'SELECT offset FROM group_offsets WHERE group_id = ? AND partition = ?',
    );
    for (let p = 0; p < this.partitions; p++) {
      const resume = await this.options.resumeFrom(p);
      const end = (this.lastOffset.get(p)?.last ?? -1) + 1;
      const start = this.options.startAt === 'latest' ? end : 0;
      const position = resume ?? committed.get(this.options.groupId, p)?.offset ?? start;
      if (position > end) this.halt(p, position, end);
      else this.positions.set(p, position);
    }
    this.loop = this.run();
  }

  stopped(): Map<number, string> {
    return new Map(this.halted);
  }

  /**
   * A resume offset past the end of the log: the log file was deleted or replaced while the store
   * kept its checkpoints. Reading from the checkpoint would skip the new records below it.
   */
  private halt(partition: number, position: number, end: number): void {
    const reason = `partition ${partition} resumes at offset ${position} but the log ends at ${end}: the event log was recreated or wiped while the store kept its checkpoint; reading from the checkpoint would skip every new record below offset ${position}. Check, then run \`clickstream checkpoints reset --partitions ${partition}\` (docs/reliability.md)`;
    this.halted.set(partition, reason);
    this.deps.logger.error({ partition, checkpoint: position, logEnd: end }, reason);
  }

  lag(): Promise<Map<number, number>> {
    const lag = new Map<number, number>();
    for (const [p, position] of this.positions) {
      const last = this.lastOffset.get(p)?.last ?? -1;
      lag.set(p, Math.max(0, last + 1 - position));
    }
    return Promise.resolve(lag);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.deps.onClose();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const pass = await this.pollOnce();
        failures = 0;
        if (pass === 'behind') continue;
        if (pass === 'idle') await this.waitForRecords(signal);
        // Kafka's fetch.max.wait.ms: once caught up, let appends gather for a moment. Without it a
        // busy log hands over a batch of a few records per append, and each batch pays the fixed
        // cost of a store transaction and an offset commit (an fsync on this log).
        await sleep(this.deps.lingerMs, signal);
      } catch (error) {
        failures++;
        const delay = Math.min(30_000, 100 * 2 ** Math.min(failures, 9));
        this.deps.logger.error(
          { err: error, retryInMs: delay },
          'processing a batch failed; retrying it',
        );
        await sleep(delay, signal);
      }
    }
  }

  /**
   * One pass over the partitions: 'idle' when nothing was there, 'behind' when a partition filled
   * a whole batch (more is waiting), else 'caught-up'. With `handleTogether` the pass's batches go
   * to the handler together, as many in one call as add up to at most `maxBatchRecords`. The
   * pass's offsets are committed together in one transaction (one fsync), after their batches
   * were handled.
   */
  private async pollOnce(): Promise<'idle' | 'caught-up' | 'behind'> {
    const max = this.options.maxBatchRecords ?? 5_000;
    const handled: Array<[partition: number, nextOffset: number]> = [];
    let behind = false;
    const together = this.options.handleTogether?.bind(this.options);
    // Batches go together while they add up to at most `max` records: a quiet log's partitions in
    // one call, a busy log's full batches one by one (as large a unit of work as before).
    let group: PartitionBatch[] = [];
    let grouped = 0;
    const handOver = async (): Promise<void> => {
      if (group.length === 0) return;
      await together!(group);
      for (const batch of group) this.handled(batch, handled);
      group = [];
      grouped = 0;
    };
    try {
      for (const [partition, position] of this.positions) {
        if (this.abort.signal.aborted) break;
        const records = this.read(partition, position, max);
        if (records.length === 0) continue;
        const batch = { partition, records, nextOffset: records.at(-1)!.offset + 1 };
        behind ||= records.length === max;
        if (together) {
          if (grouped + records.length > max) await handOver();
          group.push(batch);
          grouped += records.length;
        } else {
          await this.options.handle(batch);
          this.handled(batch, handled);
        }
      }
      await handOver();
    } finally {
      // An ephemeral (latest) reader keeps no offsets: it must not hold back retention.
      if (handled.length > 0 && this.options.startAt !== 'latest')
        await this.deps.commitOffsets(this.options.groupId, handled);
    }
    return handled.length === 0 ? 'idle' : behind ? 'behind' : 'caught-up';
  }

  private handled(batch: PartitionBatch, handled: Array<[number, number]>): void {
    this.positions.set(batch.partition, batch.nextOffset);
    handled.push([batch.partition, batch.nextOffset]);
  }

  /** Up to `max` records of a partition from `position` on, in offset order. */
  private read(partition: number, position: number, max: number): LogRecord[] {
    const records: LogRecord[] = [];
    for (const row of this.readBatches.iterate(partition, position)) {
      for (const record of unframeBatch(partition, row, position, max - records.length))
        records.push(record);
      if (records.length >= max) break;
    }
    return records;
  }

  /** Until the next append, the poll interval (another process may append), or close. */
  private waitForRecords(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.deps.appended.off('records', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.deps.pollIntervalMs);
      this.deps.appended.on('records', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
