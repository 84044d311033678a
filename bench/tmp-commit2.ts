import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { syntheticTraffic } from './support/synthetic-traffic.js';

const store = await DuckDbStore.open({ path: join(mkdtempSync(join(tmpdir(), 'cb-')), 's.duckdb'), rawEventRetentionMs: 0, dedupeWindowMs: 86_400_000, visitorSecret: 'x' });
const N = Number(process.argv[2] ?? 100000), B = Number(process.argv[3] ?? 5000);
const total = Number(process.argv[4] ?? 10_000_000);
const gen = syntheticTraffic(Date.UTC(2026, 11, 1), total);
const cpu0 = process.cpuUsage(); const w0 = performance.now();
for (let off = 0; off < N; off += B) {
  const events = [];
  for (let i = 0; i < B; i++) { const n = gen.next(); if (n.done) break; events.push(n.value); }
  await store.commit({ partition: 0, nextOffset: off + B, events });
}
const cpu = process.cpuUsage(cpu0); const wall = performance.now() - w0;
console.log(`${N} events in batches of ${B}: wall ${wall.toFixed(0)} ms = ${(N / wall * 1000).toFixed(0)} ev/s; CPU ${(cpu.user + cpu.system) / 1000} ms = ${((cpu.user + cpu.system) / N).toFixed(1)} µs/event`);
await store.close();
