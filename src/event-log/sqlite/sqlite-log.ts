import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ClickstreamError } from '../../domain/errors.js';
import type { DeadLetterQueue } from '../../ports/dead-letters.js';
import type {
  AppendRecord,
  ConsumeOptions,
  EventLog,
  LogConsumer,
  LogRecord,
} from '../../ports/event-log.js';
import { GroupCommit } from './group-commit.js';
import { LogWriter } from './log-writer.js';
import { frameGroup } from './record-batch.js';
import { SqliteConsumer } from './sqlite-consumer.js';
import { SqliteDeadLetters } from './sqlite-dead-letters.js';
import { checkPartitionCount, createLogSchema } from './sqlite-log-schema.js';

export interface SqliteLogOptions {
  /** The log's file (a file: the writer thread opens it too). */
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

/** How long a write waits for another process's write lock on the same file. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The embedded, durable event log with Kafka's semantics: records are placed on a partition by
 * key, get consecutive offsets per partition, and stay until every consumer group is past them.
 * WAL with synchronous=FULL fsyncs each commit, so an append resolves only once it would survive
 * a power cut.
 *
 * Every write (appends, group offsets, dead letters, retention) goes through one writer thread
 * (log-writer-worker.ts), so no fsync and no wait for SQLite's write lock ever blocks this
 * thread; this thread's connection only reads (WAL readers never wait for the writer).
 */
export class SqliteLog implements EventLog {
  readonly partitions: number;
  private readonly db: Database.Database;
  private readonly writer: LogWriter;
  private readonly groupCommit: GroupCommit;
  private readonly appended = new EventEmitter();
  private readonly consumers = new Set<SqliteConsumer>();
  private readonly retentionTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SqliteLogOptions) {
    this.partitions = options.partitions;
    mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    createLogSchema(this.db);
    checkPartitionCount(this.db, options.partitions);
    this.appended.setMaxListeners(0);
    this.writer = new LogWriter(
      { path: options.path, busyTimeoutMs: BUSY_TIMEOUT_MS },
      options.logger.child({ component: 'sqlite-log-writer' }),
    );
    this.groupCommit = new GroupCommit((records) => this.write(records), options.maxPendingBytes);
    if (options.retentionMs > 0) {
      this.retentionTimer = setInterval(() => {
        this.expire(Date.now()).catch((error: unknown) =>
          options.logger.warn({ err: error }, 'deleting expired log records failed'),
        );
      }, 60_000);
      this.retentionTimer.unref();
    }
  }

  /**
   * Resolves once the writer thread has opened the file. Appends do not need it (they wait for the
   * thread anyway); a server awaits it before it listens, so its first requests do not.
   */
  async ready(): Promise<void> {
    await this.writer.request({ type: 'ping' });
  }

  append(records: readonly AppendRecord[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new ClickstreamError('SHUTTING_DOWN', 'the event log is closing'));
    if (records.length === 0) return Promise.resolve();
    return this.groupCommit.append(records);
  }

  consume(options: ConsumeOptions): Promise<LogConsumer> {
    const consumer = new SqliteConsumer(this.db, this.partitions, options, {
      appended: this.appended,
      commitOffsets: async (groupId, offsets) =>
        void (await this.writer.request({ type: 'commit-offsets', groupId, offsets })),
      pollIntervalMs: this.options.pollIntervalMs ?? 250,
      lingerMs: this.options.lingerMs ?? 200,
      logger: this.options.logger.child({ component: 'sqlite-consumer', group: options.groupId }),
      onClose: () => this.consumers.delete(consumer),
    });
    this.consumers.add(consumer);
    return consumer.start().then(() => consumer);
  }

  async deadLetter(record: LogRecord, reason: string): Promise<void> {
    await this.writer.request({
      type: 'dead-letter',
      partition: record.partition,
      offset: record.offset,
      key: record.key,
      value: record.value,
      reason,
    });
  }

  /** The parked records, to list and replay (the embedded stand-in for the dead-letter topic). */
  deadLetterQueue(): DeadLetterQueue {
    return new SqliteDeadLetters(this.db, (records) => this.append(records));
  }

  /**
   * Deletes records that every group has committed and that are older than retention, a whole
   * batch at a time: a batch goes once all its records qualify, except each partition's newest
   * (offsets continue from it). Resolves to the batches deleted.
   */
  expire(now: number): Promise<number> {
    return this.writer.request({ type: 'expire', olderThan: now - this.options.retentionMs });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.retentionTimer);
    await this.groupCommit.drain();
    await Promise.all([...this.consumers].map((c) => c.close()));
    await this.writer.close();
    this.db.close();
  }

  private async write(records: AppendRecord[]): Promise<void> {
    const group = frameGroup(records, (key) => partitionFor(key, this.partitions), this.partitions);
    await this.writer.request({ type: 'append', buffer: group.buffer, sections: group.sections }, [
      group.buffer,
    ]);
    this.appended.emit('records');
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
