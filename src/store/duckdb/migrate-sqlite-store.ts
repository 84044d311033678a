import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { decodeEvent } from '../../domain/event-codec.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import { DuckDbStore, type DuckDbStoreOptions } from './duckdb-store.js';

const CHUNK = 5_000;

/**
 * A data folder from before the columnar store (SQLite `store.db`) is migrated on start: its raw
 * events are replayed, oldest first, into a new DuckDB file, with the partition checkpoints, so
 * the processor resumes where it stopped. The new file is built under a temporary name and moved
 * into place only when complete, so a migration cut short starts again; the old file is kept as
 * `store.db.migrated`, never deleted. Counts before its oldest raw event lived only in the old
 * pre-aggregated counters (raw events had a retention); those stay in the kept file.
 */
export async function openMigratingSqliteStore(
  sqlitePath: string,
  options: DuckDbStoreOptions,
  logger: Logger,
): Promise<DuckDbStore> {
  if (existsSync(sqlitePath) && !existsSync(options.path))
    await migrate(sqlitePath, options, logger);
  if (existsSync(sqlitePath) && existsSync(options.path))
    renameSync(sqlitePath, `${sqlitePath}.migrated`);
  return DuckDbStore.open(options);
}

async function migrate(
  sqlitePath: string,
  options: DuckDbStoreOptions,
  logger: Logger,
): Promise<void> {
  const temporary = `${options.path}.migrating`;
  for (const leftover of [temporary, `${temporary}.wal`]) rmSync(leftover, { force: true });
  const source = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const target = await DuckDbStore.open({ ...options, path: temporary, rawEventRetentionMs: 0 });
  try {
    const total = (source.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    logger.info(
      { from: sqlitePath, to: options.path, events: total },
      'migrating the SQLite store into the columnar store',
    );
    let done = 0;
    let skipped = 0;
    let chunk: TrackedEvent[] = [];
    for (const row of source
      .prepare('SELECT body FROM events ORDER BY ts, event_id')
      .iterate() as Iterable<{ body: string }>) {
      const decoded = decodeEvent(Buffer.from(row.body));
      if (!decoded.ok) {
        skipped++;
        continue;
      }
      chunk.push(decoded.event);
      if (chunk.length === CHUNK) {
        await target.importEvents(chunk);
        done += chunk.length;
        chunk = [];
        if (done % 100_000 === 0) logger.info({ done, total }, 'migrating the SQLite store');
      }
    }
    if (chunk.length > 0) await target.importEvents(chunk);
    done += chunk.length;
    const checkpoints = source
      .prepare('SELECT partition, next_offset FROM checkpoints')
      .all() as Array<{ partition: number; next_offset: number }>;
    await target.setCheckpoints(new Map(checkpoints.map((c) => [c.partition, c.next_offset])));
    await target.close();
    renameSync(temporary, options.path);
    logger.info(
      { events: done, unreadable: skipped, kept: `${sqlitePath}.migrated` },
      'SQLite store migrated; the old file is kept',
    );
  } catch (error) {
    await target.close().catch(() => undefined);
    throw error;
  } finally {
    source.close();
  }
}
