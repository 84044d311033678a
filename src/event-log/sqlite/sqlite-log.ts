import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ClickstreamError } from '../../domain/errors.js';
import type { DeadLetterQueue } from '../../ports/dead-letters.js';
import type { AppendRecord, ConsumeOptions, EventLog, LogConsumer, LogRecord } from '../../ports/event-log.js';
import { GroupCommit } from './group-commit.js';
import { SqliteConsumer } from './sqlite-consumer.js';
import { SqliteDeadLetters } from './sqlite-dead-letters.js';
import { checkPartitionCount, createLogSchema } from './sqlite-log-schema.js';

export interface SqliteLogOptions {
  path: string;
  partitions: number;
  /** Appends waiting for the next group commit, in bytes, before new ones are refused. */
  maxPendingBytes: number;
  /** Records every consumer group has committed are deleted once older than this. 0 keeps all. */
  retentionMs: number;
  /** How often a consumer looks for records appended by another process. */
  pollIntervalMs?: number;
  /** How long a consumer that caught up lets new records gather before reading (default 200 ms). */
  lingerMs?: number;
  logger: Logger;
}

/**
 * The embedded, durable event log with Kafka's semantics: records are placed on a partition by
 * key, get consecutive offsets per partition, and stay until every consumer group is past them.
 * WAL with synchronous=FULL fsyncs each commit, so an append resolves only once it would survive
 * a power cut.
 */
export class SqliteLog implements EventLog {
  readonly partitions: number;
  private readonly db: Database.Database;
  private readonly groupCommit: GroupCommit;
  private readonly appended = new EventEmitter();
  private readonly consumers = new Set<SqliteConsumer>();
  private readonly retentionTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SqliteLogOptions) {
    this.partitions = options.partitions;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    createLogSchema(this.db);
    checkPartitionCount(this.db, options.partitions);
    this.appended.setMaxListeners(0);
    this.groupCommit = new GroupCommit(this.createWriter(), options.maxPendingBytes);
    if (options.retentionMs > 0) {
      this.retentionTimer = setInterval(() => this.expire(Date.now()), 60_000);
      this.retentionTimer.unref();
    }
  }

  append(records: readonly AppendRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new ClickstreamError('SHUTTING_DOWN', 'the event log is closing'));
    if (records.length === 0) return Promise.resolve();
    return this.groupCommit.append(records);
  }

  consume(options: ConsumeOptions): Promise<LogConsumer> {
    const consumer = new SqliteConsumer(this.db, this.partitions, options, {
      appended: this.appended,
      pollIntervalMs: this.options.pollIntervalMs ?? 250,
      lingerMs: this.options.lingerMs ?? 200,
      logger: this.options.logger.child({ component: 'sqlite-consumer', group: options.groupId }),
      onClose: () => this.consumers.delete(consumer),
    });
    this.consumers.add(consumer);
    return consumer.start().then(() => consumer);
  }

  deadLetter(record: LogRecord, reason: string): Promise<void> {
    this.db
      .prepare('INSERT INTO dead_letters (partition, offset, key, value, reason, ts) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.partition, record.offset, record.key, record.value, reason, Date.now());
    return Promise.resolve();
  }

  /** The parked records, to list and replay (the embedded stand-in for the dead-letter topic). */
  deadLetterQueue(): DeadLetterQueue {
    return new SqliteDeadLetters(this.db, (records) => this.append(records));
  }

  /**
   * Deletes records that every group has committed and that are older than retention, except the
   * last of each partition: offsets continue from it (MAX(offset) + 1), and a partition emptied by
   * retention would start again at 0, below every checkpoint, and its new records would be skipped.
   */
  expire(now: number): number {
    const groups = this.db.prepare<[], { partition: number; offset: number }>(
      'SELECT partition, MIN(offset) AS offset FROM group_offsets GROUP BY partition',
    ).all();
    const remove = this.db.prepare(
      'DELETE FROM records WHERE partition = ? AND offset < MIN(?, (SELECT MAX(offset) FROM records WHERE partition = ?)) AND ts < ?',
    );
    let deleted = 0;
    for (const g of groups) deleted += remove.run(g.partition, g.offset, g.partition, now - this.options.retentionMs).changes;
    return deleted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.retentionTimer);
    await this.groupCommit.drain();
    await Promise.all([...this.consumers].map((c) => c.close()));
    this.db.close();
  }

  private createWriter(): (records: AppendRecord[]) => void {
    const lastOffset = this.db.prepare<[number], { last: number | null }>(
      'SELECT MAX(offset) AS last FROM records WHERE partition = ?',
    );
    const insert = this.db.prepare('INSERT INTO records (partition, offset, key, value, ts) VALUES (?, ?, ?, ?, ?)');
    const write = this.db.transaction((records: AppendRecord[]) => {
      // Offsets are read inside the (immediate) transaction, so two processes appending to the
      // same file still get consecutive, unique offsets.
      const next = new Map<number, number>();
      const now = Date.now();
      for (const record of records) {
        const partition = partitionFor(record.key, this.partitions);
        let offset = next.get(partition);
        if (offset === undefined) offset = (lastOffset.get(partition)?.last ?? -1) + 1;
        insert.run(partition, offset, record.key, record.value, now);
        next.set(partition, offset + 1);
      }
    });
    return (records) => {
      write.immediate(records);
      this.appended.emit('records');
    };
  }
}

/** FNV-1a over the key: stable across processes and versions, spreads visitors evenly. */
export function partitionFor(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
