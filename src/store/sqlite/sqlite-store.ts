import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AggregateQuery,
  AggregateRow,
  VisitorEventsPage,
  VisitorEventsQuery,
} from '../../domain/analytics-query.js';
import { ClickstreamError } from '../../domain/errors.js';
import type { AggregatePlan, AggregateResult } from '../../domain/stats/aggregate-plan.js';
import type { AnalyticsReader } from '../../ports/analytics-reader.js';
import type { CommitResult, EventStore, StoreBatch } from '../../ports/event-store.js';
import { runAggregate } from '../aggregate-engine.js';
import { asStoreError } from './sqlite-errors.js';
import { createSqliteReader } from './sqlite-reader.js';
import { migrate } from './sqlite-schema.js';
import { createSqliteWriter } from './sqlite-writer.js';

export interface SqliteStoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Raw events older than this are deleted; aggregates are kept. 0 keeps them forever. */
  rawEventRetentionMs: number;
  /** How often expired raw events are deleted. */
  expiryIntervalMs?: number;
}

/**
 * The embedded store. One SQLite file in WAL mode; a commit is one transaction. synchronous=NORMAL
 * is enough here: losing the last commits on power loss also loses their checkpoint, so the
 * processor replays them from the log.
 */
export class SqliteStore implements EventStore, AnalyticsReader {
  private readonly db: Database.Database;
  private readonly write: (batch: StoreBatch) => CommitResult;
  private readonly reader: ReturnType<typeof createSqliteReader>;
  private readonly checkpointOf: Database.Statement<[number], { next_offset: number }>;
  private readonly expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.write = createSqliteWriter(this.db);
    this.reader = createSqliteReader(this.db);
    this.checkpointOf = this.db.prepare('SELECT next_offset FROM checkpoints WHERE partition = ?');
    if (options.rawEventRetentionMs > 0) {
      this.expiryTimer = setInterval(
        () => this.expire(Date.now()),
        options.expiryIntervalMs ?? 3_600_000,
      );
      this.expiryTimer.unref();
    }
  }

  commit(batch: StoreBatch): Promise<CommitResult> {
    return asStoreError(() => this.write(batch));
  }

  checkpoint(partition: number): Promise<number | null> {
    return asStoreError(() => this.checkpointOf.get(partition)?.next_offset ?? null);
  }

  async resetCheckpoint(partition: number, nextOffset: number): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO checkpoints (partition, next_offset, updated_at) VALUES (?, ?, ?)',
      )
      .run(partition, nextOffset, Date.now());
  }

  readonly kind = 'sqlite';

  /** Replaced by the DuckDB store (issue 11). */
  aggregate(_plan: AggregatePlan): Promise<AggregateResult> {
    return Promise.reject(
      new ClickstreamError(
        'INVALID_QUERY',
        'the general query is not available on the SQLite store',
        { field: 'query' },
      ),
    );
  }

  legacyAggregate(query: AggregateQuery): Promise<AggregateRow[]> {
    return asStoreError(() => runAggregate(query, this.reader));
  }

  async firstEventAt(siteId: string): Promise<number | null> {
    const row = this.db
      .prepare<[string], { ts: number | null }>(
        'SELECT MIN(ts) AS ts FROM events WHERE site_id = ?',
      )
      .get(siteId);
    return row?.ts ?? null;
  }

  visitorEvents(query: VisitorEventsQuery): Promise<VisitorEventsPage> {
    return asStoreError(() => this.reader.visitorEvents(query));
  }

  sites(limit: number): Promise<string[]> {
    return asStoreError(() => this.reader.sites(limit));
  }

  /** Reads the schema version: a round trip through the file's locks, as any query takes them. */
  async ping(): Promise<void> {
    await asStoreError(() => this.db.prepare('SELECT MAX(version) FROM schema_version').get());
  }

  /**
   * secure_delete overwrites the freed pages with zeros, and the checkpoint moves them into the
   * database file and empties the WAL, so no copy of the erased rows stays on disk.
   */
  eraseVisitor(siteId: string, visitorId: string): Promise<number> {
    return asStoreError(() => this.erase(siteId, visitorId));
  }

  private erase(siteId: string, visitorId: string): number {
    this.db.pragma('secure_delete = ON');
    try {
      const erase = this.db.transaction(() => {
        const deleted = this.db
          .prepare('DELETE FROM events WHERE site_id = ? AND visitor_id = ?')
          .run(siteId, visitorId).changes;
        this.db
          .prepare('DELETE FROM sessions WHERE site_id = ? AND visitor_id = ?')
          .run(siteId, visitorId);
        return deleted;
      });
      const deleted = erase.immediate();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return deleted;
    } finally {
      this.db.pragma('secure_delete = OFF');
    }
  }

  /** Deletes raw events past retention. Their event_ids go too, so dedupe holds within retention. */
  expire(now: number): number {
    const cutoff = now - this.options.rawEventRetentionMs;
    const deleted = this.db.prepare('DELETE FROM events WHERE ts < ?').run(cutoff).changes;
    this.db.prepare('DELETE FROM sessions WHERE last < ?').run(cutoff);
    return deleted;
  }

  close(): Promise<void> {
    clearInterval(this.expiryTimer);
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
