import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createTraffic } from '../src/cli/loadgen/traffic.js';
import { CounterAccumulator, countEvents, sketchVisitors } from '../src/domain/counters.js';
import { decodeEvent, encodeEvent, logKey } from '../src/domain/event-codec.js';
import type { TrackedEvent } from '../src/domain/tracked-event.js';
import { SqliteLog } from '../src/event-log/sqlite/sqlite-log.js';
import { enrichEvent } from '../src/ingest/enrich-event.js';
import { validateInput } from '../src/ingest/validate-input.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { markdownTable, num } from './support/markdown.js';

/**
 * `npx tsx bench/stages.ts [events]`: CPU time per event of each stage of the embedded pipeline,
 * in one process, on loadgen traffic. CPU time (not wall time) so a busy machine skews it less.
 * This is where to look first when ingest or processing gets slower.
 */
const N = Number(process.argv[2] ?? 50_000);
const now = Date.now();
const traffic = createTraffic({ seed: 1, sites: 3, sitePrefix: 'st-', pages: 200, visitors: 1000, bots: 0.1, bad: 0, windowMs: 6 * 3_600_000, now });
const enrich = { defaultSiteId: 'default', maxEventAgeMs: 168 * 3_600_000, maxClockSkewMs: 300_000, ipStorage: 'truncate' as const, visitorHash: () => 'h' };
const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const rows: Array<[string, string]> = [];
async function stage(name: string, work: () => unknown): Promise<void> {
  const started = cpuMs();
  await work();
  rows.push([name, num(((cpuMs() - started) * 1000) / N, 2)]);
}

const bodies = Array.from({ length: N }, () => JSON.stringify(traffic.next().body));
let inputs: unknown[] = [];
let events: TrackedEvent[] = [];
let records: Array<{ key: string; value: Buffer }> = [];
const dir = mkdtempSync(join(tmpdir(), 'clickstream-stages-'));
try {
  await stage('JSON.parse of the body', () => (inputs = bodies.map((b) => JSON.parse(b) as unknown)));
  await stage('validate (TypeBox)', () => inputs.forEach((i) => validateInput(i)));
  await stage('enrich (URL, UA, IP)', () => (events = inputs.map((i) => enrichEvent(i as never, { ip: '127.0.0.1', userAgent: '', receivedAt: now }, enrich))));
  await stage('encode for the log', () => (records = events.map((e) => ({ key: logKey(e), value: encodeEvent(e) }))));
  await stage('decode in the processor', () => records.forEach((r) => decodeEvent(r.value)));
  await stage('countEvents (5,000 per batch)', () => { for (let i = 0; i < N; i += 5000) countEvents(events.slice(i, i + 5000), new CounterAccumulator()); });
  await stage('sketchVisitors (5,000 per batch)', () => { for (let i = 0; i < N; i += 5000) sketchVisitors(events.slice(i, i + 5000)); });
  const log = new SqliteLog({ path: join(dir, 'log.db'), partitions: 4, maxPendingBytes: 2 ** 30, retentionMs: 0, logger: pino({ level: 'silent' }) });
  await stage('SqliteLog.append (100 per commit)', async () => { for (let i = 0; i < N; i += 100) await log.append(records.slice(i, i + 100)); });
  await log.close();
  const store = new SqliteStore({ path: join(dir, 'store.db'), rawEventRetentionMs: 0 });
  for (const size of [5000, 300, 30]) {
    let offset = 0;
    const slice = events.slice(0, size === 5000 ? N : Math.min(N, size * 100));
    const started = cpuMs();
    for (let i = 0; i < slice.length; i += size) await store.commit({ partition: size, nextOffset: (offset += size), events: slice.slice(i, i + size) });
    rows.push([`SqliteStore.commit (${size} per batch)`, num(((cpuMs() - started) * 1000) / slice.length, 2)]);
    events = events.map((e) => ({ ...e, event_id: `${e.event_id}-${size}` }));
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${markdownTable(['stage', 'CPU µs per event'], rows)}\n`);
