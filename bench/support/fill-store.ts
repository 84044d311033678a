import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import type { CommitResult, StoreBatch } from '../../src/ports/event-store.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { BENCH_SITE, syntheticTraffic } from './synthetic-traffic.js';

export { BENCH_SITE };
const BATCH = 5_000;
/** A partition the server's event log never has: its checkpoint can never make the processor skip records. */
const FILL_PARTITION = 9_999;

export interface FilledStore {
  dataDir: string;
  events: number;
  /** The end of the 30 days the events cover; queries ask about [end - 30 days, end). */
  end: number;
  fillSeconds: number;
  reused: boolean;
}

/** Anything that commits batches like the processor does: this build's store, or an earlier build's. */
interface CommittingStore {
  commit(batch: StoreBatch): Promise<CommitResult>;
  checkpoint(partition: number): Promise<number | null>;
  close(): Promise<void>;
}

/**
 * A data dir whose store holds `events` events of a synthetic month (synthetic-traffic.ts),
 * written through the store's commit() in batches — the processor's own write path, without HTTP
 * and the log. Filled once per size and build, and reused by later runs (the marker file records
 * when it was made). An interrupted fill resumes: the events are a fixed sequence, and the store's
 * checkpoint says how many of them it holds.
 */
export async function filledStore(
  root: string,
  events: number,
  log: (line: string) => void,
  baselineDist?: string,
): Promise<FilledStore> {
  const dataDir = join(root, `${baselineDist ? 'baseline' : 'queries'}-${events}`);
  const marker = join(dataDir, 'bench-fill.json');
  if (existsSync(marker))
    return { ...(JSON.parse(readFileSync(marker, 'utf8')) as FilledStore), reused: true };
  const end = fillPlan(dataDir, events);
  const store = baselineDist
    ? await openBaselineStore(baselineDist, dataDir)
    : await openStore(dataDir);
  const started = Date.now();
  try {
    await fill(store, end, events, log);
  } finally {
    await store.close();
  }
  const filled: FilledStore = {
    dataDir,
    events,
    end,
    fillSeconds: (Date.now() - started) / 1000,
    reused: false,
  };
  writeFileSync(marker, JSON.stringify(filled));
  return filled;
}

/** This build's embedded store, keyed with the secret the server derives from the data dir's visitor secret. */
async function openStore(dataDir: string): Promise<CommittingStore> {
  const secretFile = join(dataDir, 'visitor-secret');
  if (!existsSync(secretFile))
    writeFileSync(secretFile, 'bench-visitor-secret-0123456789abcdef', { mode: 0o600 });
  const secret = createHmac('sha256', readFileSync(secretFile, 'utf8').trim())
    .update('store visitor keys')
    .digest('hex');
  return DuckDbStore.open({
    path: join(dataDir, 'store.duckdb'),
    rawEventRetentionMs: 0,
    dedupeWindowMs: 3_600_000,
    visitorSecret: secret,
  });
}

/** The store of an earlier build (BENCH_BASELINE_DIST): the pre-aggregated SQLite store before the columnar one. */
async function openBaselineStore(dist: string, dataDir: string): Promise<CommittingStore> {
  const module = (await import(join(dist, 'src/store/sqlite/sqlite-store.js'))) as {
    SqliteStore: new (o: { path: string; rawEventRetentionMs: number }) => CommittingStore;
  };
  return new module.SqliteStore({ path: join(dataDir, 'store.db'), rawEventRetentionMs: 0 });
}

/** The end of the 30 days, fixed when a fill starts (bench-plan.json) so a resumed fill continues the same events. */
function fillPlan(dataDir: string, events: number): number {
  const plan = join(dataDir, 'bench-plan.json');
  if (existsSync(plan)) return (JSON.parse(readFileSync(plan, 'utf8')) as { end: number }).end;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  writeFileSync(plan, JSON.stringify({ events, end }));
  return end;
}

async function fill(
  store: CommittingStore,
  end: number,
  events: number,
  log: (line: string) => void,
): Promise<void> {
  const traffic = syntheticTraffic(end, events);
  const done = (await store.checkpoint(FILL_PARTITION)) ?? 0;
  for (let i = 0; i < done; i++) traffic.next();
  if (done > 0) log(`  resuming after ${done.toLocaleString('en-US')} events`);
  const started = Date.now();
  for (let written = done; written < events;) {
    const batch: TrackedEvent[] = [];
    while (batch.length < BATCH && written < events) {
      const next = traffic.next();
      if (next.done) break;
      batch.push(next.value);
      written++;
    }
    if (batch.length === 0) break;
    await store.commit({ partition: FILL_PARTITION, nextOffset: written, events: batch });
    if (written % 500_000 < BATCH)
      log(
        `  filled ${written.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events (${Math.round((written - done) / ((Date.now() - started) / 1000)).toLocaleString('en-US')} ev/s)`,
      );
  }
}
