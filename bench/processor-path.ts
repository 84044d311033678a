import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { encodeEvent, logKey } from '../src/domain/event-codec.js';
import { SqliteLog } from '../src/event-log/sqlite/sqlite-log.js';
import { startProcessor } from '../src/processor/processor.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { syntheticTraffic } from './support/synthetic-traffic.js';

/**
 * `npx tsx bench/processor-path.ts [events]`: the processor alone, in process: the embedded log is
 * filled first (not measured), then the processor reads it into the embedded store; CPU µs per
 * event of the whole process (DuckDB's threads included) while it does, phase by phase.
 */
const events = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'clickstream-processor-bench-'));
const logger = pino({ level: 'silent' });
const log = new SqliteLog({
  path: join(dir, 'event-log.db'),
  partitions: 4,
  maxPendingBytes: 256 * 1024 * 1024,
  retentionMs: 0,
  logger,
});
await log.ready();
const traffic = syntheticTraffic(Date.now() - 3_600_000, events);
let batch: Array<{ key: string; value: Buffer }> = [];
for (const event of traffic) {
  batch.push({ key: logKey(event), value: encodeEvent(event) });
  if (batch.length === 1000) {
    await log.append(batch);
    batch = [];
  }
}
if (batch.length) await log.append(batch);
const store = await DuckDbStore.open({
  path: join(dir, 'store.duckdb'),
  rawEventRetentionMs: 0,
  dedupeWindowMs: 86_400_000,
  visitorSecret: 'bench',
});
const cpu = process.cpuUsage();
const started = performance.now();
let stored = 0;
const done = new Promise<void>((resolve) => {
  const observer = {
    batch: (counts: { stored: number }) => {
      stored += counts.stored;
      if (stored >= events) resolve();
    },
    lag: () => undefined,
    stopped: () => undefined,
  };
  void startProcessor(log, store, observer as never, logger, {
    groupId: 'bench',
    batchSize: 5000,
  }).then((p) => done.then(() => p.stop()));
});
await done;
const used = process.cpuUsage(cpu);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${events} events processed in ${seconds.toFixed(1)} s = ${Math.round(events / seconds)} ev/s; CPU ${((used.user + used.system) / events).toFixed(1)} µs/event (${(((used.user + used.system) / 1e6 / seconds) * 100).toFixed(0)} % of a core)\n`,
);
await store.close();
await log.close();
