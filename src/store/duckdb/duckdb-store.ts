import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { VisitorEventsPage, VisitorEventsQuery } from '../../domain/analytics-query.js';
import { DedupeWindow } from '../../domain/dedupe-window.js';
import { HLL_REGISTERS, HyperLogLog } from '../../domain/hyperloglog.js';
import type { AggregatePlan, AggregateResult } from '../../domain/stats/aggregate-plan.js';
import type { FunnelReader, VisitStepSource, VisitSteps } from '../../ports/funnel-reader.js';
import type { PropertyKeysReader } from '../../ports/property-keys.js';
import type { FunnelCounts, FunnelPlan } from '../../domain/funnel.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import type { CommitResult, StoreBatch } from '../../ports/event-store.js';
import type {
  Store,
  StoreCapabilities,
  TogetherCommitter,
} from '../../ports/store-capabilities.js';
import { decodeCursor, encodeCursor } from '../visitor-cursor.js';
import { ClickstreamError } from '../../domain/errors.js';
import { aggregateDuckDb } from './duckdb-aggregate.js';
import { rebuildRollups } from './daily-rollups.js';
import { funnelDuckDb, propertyKeysDuckDb, visitStepsDuckDb } from './duckdb-funnel.js';
import { asStoreError } from './duckdb-errors.js';
import { EVENT_COLUMNS, eventOfRow } from './duckdb-events.js';
import { createVisitorKeyer, type VisitorKeyer } from './duckdb-rows.js';
import { allEventTables, eventTablesOf, migrateDuckDb, visitorEventRows } from './duckdb-schema.js';
import { int, Params, uhugeint } from './duckdb-sql.js';
import { createDuckDbWriter, type RecentEventsOptions } from './duckdb-writer.js';

const DAY_MS = 86_400_000;

export interface DuckDbStoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Raw events older than this are deleted. 0 keeps them forever. */
  rawEventRetentionMs: number;
  /** How long after an event arrived a resend with its event_id is still recognised. */
  dedupeWindowMs: number;
  /** Keys the visitor hashes (the data folder's visitor secret). */
  visitorSecret: string;
  /** Threads DuckDB may use for a query or a checkpoint (default 2). */
  threads?: number;
  /** Most memory DuckDB's buffer pool holds before it spills to `<path>.tmp` (default 256 MiB). */
  memoryLimitMb?: number;
  /**
   * A query over more stored events than this reads a sample of the visitors (a power-of-two
   * fraction of them), saying so in its answer; 0 always reads everything.
   */
  queryRowBudget?: number;
  /** Answer what the daily rollups can from them (default); false reads raw events only (tests compare both). */
  rollups?: boolean;
  expiryIntervalMs?: number;
  /**
   * Commits of at most `smallCommitEvents` events append to one recent-events table, moved into
   * the 16 shards once it holds `moveRows` (defaults 2,000 and 20,000; tests make them small).
   */
  recentEvents?: RecentEventsOptions;
}

/**
 * The embedded store: raw events and visits in DuckDB, a columnar engine that aggregates them at
 * query time. Commits are serialised on one connection (each one transaction with its partition's
 * checkpoint); queries run on their own connections and see committed data only.
 */
export class DuckDbStore
  implements Store, TogetherCommitter, FunnelReader, VisitStepSource, PropertyKeysReader
{
  readonly kind = 'duckdb';
  /** Every ability of the ports: funnels in SQL (and the visits' steps, for the scan funnel's test). */
  readonly capabilities: StoreCapabilities = {
    commitTogether: this,
    funnel: this,
    visitSteps: this,
    propertyKeys: this,
  };
  private commits: Promise<unknown> = Promise.resolve();
  private readonly idle: DuckDBConnection[] = [];
  /** Events stored per site and UTC day, to size a query before it runs (null: to be read again). */
  private dayCounts: Map<string, Map<number, number>> | null = null;
  private readonly expiryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly write: ReturnType<typeof createDuckDbWriter>,
    private readonly keyOf: VisitorKeyer,
    private readonly options: DuckDbStoreOptions,
  ) {
    if (options.rawEventRetentionMs > 0) {
      this.expiryTimer = setInterval(
        () => void this.expire(Date.now()).catch(() => undefined),
        options.expiryIntervalMs ?? 3_600_000,
      );
      this.expiryTimer.unref();
    }
  }

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    // A larger WAL before each checkpoint: every checkpoint recompresses the partly filled last row
    // group of each column, so checkpointing every 16 MB (the default) spent more CPU than the
    // appends themselves. At 256 MB a restart replays at most that much WAL.
    // Appended rows wait in the buffer pool until a checkpoint writes them, and DuckDB's own limit
    // is 80 % of the machine's memory: under sustained ingest into the 16 event tables they held
    // 200 to 450 MB (duckdb_memory(), IN_MEMORY_TABLE). With a limit DuckDB spills the coldest
    // blocks to `<path>.tmp` instead of growing.
    const instance = await DuckDBInstance.create(options.path, {
      threads: String(options.threads ?? 2),
      memory_limit: `${options.memoryLimitMb ?? 256}MiB`,
      checkpoint_threshold: '256MB',
    });
    const writer = await instance.connect();
    try {
      await migrateDuckDb(writer);
      await buildRollupsOnce(writer);
      const window = new DedupeWindow(options.dedupeWindowMs);
      await loadWindow(writer, window, options.dedupeWindowMs);
      const keyOf = createVisitorKeyer(options.visitorSecret);
      // The writer reports each commit's events to the store it belongs to, made just below.
      const owner: { store?: DuckDbStore } = {};
      const write = createDuckDbWriter(
        writer,
        window,
        keyOf,
        (events) => owner.store?.counted(events),
        options.recentEvents,
      );
      owner.store = new DuckDbStore(instance, writer, write, keyOf, options);
      return owner.store;
    } catch (error) {
      writer.closeSync();
      instance.closeSync();
      throw error;
    }
  }

  /** Commits run one at a time: each reads the visits the one before it wrote. */
  commit(batch: StoreBatch): Promise<CommitResult> {
    return this.serial(() => this.write.write(batch));
  }

  /** One transaction for a pass's batches of several partitions: one commit's fixed cost, not one per partition. */
  commitTogether(batches: readonly StoreBatch[]): Promise<CommitResult> {
    return this.serial(() => this.write.writeTogether(batches));
  }

  /** Stores events that come from elsewhere than the log (a migration): no checkpoint moves. */
  importEvents(events: readonly TrackedEvent[]): Promise<CommitResult> {
    return this.serial(() => this.write.write({ partition: null, events }));
  }

  /** Sets checkpoints taken over with imported events (a migration). */
  async setCheckpoints(checkpoints: ReadonlyMap<number, number>): Promise<void> {
    await this.serial(async () => {
      for (const [partition, offset] of checkpoints) {
        await this.writer.run(
          `INSERT OR REPLACE INTO checkpoints VALUES (${int(partition)}, ${int(offset)}, ${int(Date.now())})`,
        );
      }
    });
  }

  resetCheckpoint(partition: number, nextOffset: number): Promise<void> {
    return this.setCheckpoints(new Map([[partition, nextOffset]]));
  }

  async checkpoint(partition: number): Promise<number | null> {
    const rows = await this.read(
      `SELECT next_offset FROM checkpoints WHERE log_partition = ${int(partition)}`,
    );
    return rows.length === 0 ? null : Number(rows[0]![0]);
  }

  async aggregate(plan: AggregatePlan): Promise<AggregateResult> {
    const registers = await this.sampleRegisters(plan.siteId, plan.from, plan.to);
    return this.withConnection((c) =>
      aggregateDuckDb(c, plan, registers, this.options.rollups ?? true),
    );
  }

  /** All registers, or the largest power-of-two share of them that keeps the range within the row budget. */
  private async sampleRegisters(siteId: string, from: number, to: number): Promise<number> {
    const budget = this.options.queryRowBudget ?? 0;
    if (budget <= 0) return HLL_REGISTERS;
    this.dayCounts ??= await this.readDayCounts();
    let rows = 0;
    for (const [day, n] of this.dayCounts.get(siteId) ?? [])
      if (day * DAY_MS < to && (day + 1) * DAY_MS > from) rows += n;
    let registers = HLL_REGISTERS;
    while (rows * (registers / HLL_REGISTERS) > budget && registers > 64) registers /= 2;
    return registers;
  }

  private async readDayCounts(): Promise<Map<string, Map<number, number>>> {
    const counts = new Map<string, Map<number, number>>();
    for (const [site, day, n] of await this.read(
      `SELECT site_id, ts // ${DAY_MS} AS d, count(*) FROM events GROUP BY ALL`,
    )) {
      const days = counts.get(String(site)) ?? new Map<number, number>();
      days.set(Number(day), Number(n));
      counts.set(String(site), days);
    }
    return counts;
  }

  /** After a commit: its new events join the day counts. */
  private counted(events: readonly TrackedEvent[]): void {
    if (!this.dayCounts) return;
    for (const e of events) {
      const days = this.dayCounts.get(e.site_id) ?? new Map<number, number>();
      const day = Math.floor(e.timestamp / DAY_MS);
      days.set(day, (days.get(day) ?? 0) + 1);
      this.dayCounts.set(e.site_id, days);
    }
  }

  funnel(plan: FunnelPlan): Promise<FunnelCounts> {
    return this.withConnection((c) => funnelDuckDb(c, plan));
  }

  visitSteps(plan: FunnelPlan, each: (visit: VisitSteps) => void): Promise<{ rowsRead: number }> {
    return this.withConnection((c) => visitStepsDuckDb(c, plan, each));
  }

  propertyKeys(
    plan: Parameters<PropertyKeysReader['propertyKeys']>[0],
    limit: number,
  ): Promise<Array<{ key: string; events: number }>> {
    return this.withConnection((c) => propertyKeysDuckDb(c, plan, limit));
  }

  async firstEventAt(siteId: string): Promise<number | null> {
    const p = new Params();
    const rows = await this.read(
      `SELECT first_event_at FROM sites WHERE site_id = ${p.bind(siteId)}`,
      p,
    );
    return rows.length === 0 ? null : Number(rows[0]![0]);
  }

  async sites(limit: number): Promise<string[]> {
    return (await this.read(`SELECT site_id FROM sites ORDER BY site_id LIMIT ${int(limit)}`)).map(
      (r) => String(r[0]),
    );
  }

  async ping(): Promise<void> {
    await this.read('SELECT 1');
  }

  async visitorEvents(query: VisitorEventsQuery): Promise<VisitorEventsPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const p = new Params();
    const rows = await this.read(
      `SELECT ${EVENT_COLUMNS} FROM ${visitorEventRows(HyperLogLog.position(query.visitorId).index)} WHERE site_id = ${p.bind(query.siteId)} AND visitor_key = ${uhugeint(this.keyOf(query.siteId, query.visitorId))}
       ${after ? `AND (ts < ${int(after.ts)} OR (ts = ${int(after.ts)} AND event_id < ${p.bind(after.eventId)}))` : ''}
       ORDER BY ts DESC, event_id DESC LIMIT ${int(query.limit + 1)}`,
      p,
    );
    const events = rows.slice(0, query.limit).map((row) => eventOfRow(row, query.visitorId));
    const last = events.at(-1);
    return {
      events,
      nextCursor:
        rows.length > query.limit && last ? encodeCursor(last.timestamp, last.event_id) : null,
    };
  }

  /**
   * Deletes one visitor's events and visits in one site; answers how many events went. Counts drop
   * with them (raw events are the source of truth). The file holds the visitor only as a keyed
   * hash, and the checkpoint folds the deletion into it.
   */
  async eraseVisitor(siteId: string, visitorId: string): Promise<number> {
    const key = uhugeint(this.keyOf(siteId, visitorId));
    return this.serial(async () => {
      const p = new Params();
      const site = p.bind(siteId);
      await this.writer.run('BEGIN TRANSACTION');
      try {
        const register = HyperLogLog.position(visitorId).index;
        const days = (
          await this.writer.runAndReadAll(
            `SELECT DISTINCT ts // ${DAY_MS} FROM ${visitorEventRows(register)} WHERE site_id = ${site} AND visitor_key = ${key}`,
            p.values,
          )
        )
          .getRows()
          .map((r) => Number(r[0]));
        let deleted = 0;
        for (const table of eventTablesOf(register))
          deleted += (
            await this.writer.runAndReadAll(
              `DELETE FROM ${table} WHERE site_id = ${site} AND visitor_key = ${key} RETURNING 1`,
              p.values,
            )
          ).getRows().length;
        // The visitor leaves the counts of the days they were in: those days' rollups are recounted.
        await rebuildRollups(this.writer, siteId, days);
        await this.writer.run(
          `DELETE FROM visits WHERE site_id = ${site} AND visitor_key = ${key}`,
          p.values,
        );
        await this.writer.run(
          `DELETE FROM visits_hot WHERE site_id = ${site} AND visitor_key = ${key}`,
          p.values,
        );
        await this.writer.run('COMMIT');
        this.write.invalidate();
        this.dayCounts = null;
        await this.writer.run('CHECKPOINT');
        return deleted;
      } catch (error) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Deletes raw events and visits past retention. */
  async expire(now: number): Promise<void> {
    const cutoff = now - this.options.rawEventRetentionMs;
    await this.serial(async () => {
      for (const table of allEventTables())
        await this.writer.run(`DELETE FROM ${table} WHERE ts < ${int(cutoff)}`);
      await this.writer.run(`DELETE FROM visits WHERE end_ts < ${int(cutoff)}`);
      await this.writer.run(`DELETE FROM visits_hot WHERE end_ts < ${int(cutoff)}`);
      this.write.invalidate();
      this.dayCounts = null;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.expiryTimer);
    await this.commits;
    await this.writer.run('CHECKPOINT').catch(() => undefined);
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.commits.then(() => {
      if (this.closed) throw new ClickstreamError('STORE_UNAVAILABLE', 'the store is closing');
      return asStoreError(work);
    });
    this.commits = next.catch(() => undefined);
    return next;
  }

  /** Query connections are reused: one per query in flight, kept for the next. */
  private async withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new ClickstreamError('STORE_UNAVAILABLE', 'the store is closing');
    const connection = this.idle.pop() ?? (await asStoreError(() => this.instance.connect()));
    try {
      return await asStoreError(() => work(connection));
    } finally {
      if (this.closed || this.idle.length >= 4) connection.closeSync();
      else this.idle.push(connection);
    }
  }

  private read(sql: string, params?: Params): Promise<unknown[][]> {
    return this.withConnection(
      async (c) => (await c.runAndReadAll(sql, params?.values ?? [])).getRows() as unknown[][],
    );
  }
}

/** Events stored before the daily rollups existed (an older data folder): rolled up once, on open. */
async function buildRollupsOnce(connection: DuckDBConnection): Promise<void> {
  const state = await connection.runAndReadAll(
    "SELECT value FROM store_state WHERE name = 'rollups'",
  );
  if (state.getRows().length > 0) return;
  await connection.run('BEGIN TRANSACTION');
  try {
    await rebuildRollups(connection, null, null);
    await connection.run("INSERT INTO store_state VALUES ('rollups', 'built')");
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The dedupe window after a restart: ids that arrived within it, from the table. */
async function loadWindow(
  connection: DuckDBConnection,
  window: DedupeWindow,
  windowMs: number,
): Promise<void> {
  const newest = (
    await connection.runAndReadAll('SELECT max(received_at) FROM events')
  ).getRows()[0]?.[0];
  if (newest === null || newest === undefined) return;
  const since = Number(newest) - windowMs;
  const reader = await connection.streamAndReadUntil(
    `SELECT event_id, received_at FROM events WHERE received_at >= ${int(since)} ORDER BY received_at`,
    Number.MAX_SAFE_INTEGER,
  );
  for (const [id, at] of reader.getRows()) window.add(String(id), Number(at));
}
