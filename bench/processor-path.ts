import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { encodeEvent, logKey } from '../src/domain/event-codec.js';
import { SqliteLog } from '../src/event-log/sqlite/sqlite-log.js';
import { startProcessor } from '../src/processor/processor.js';
import type { Store } from '../src/ports/store-capabilities.js';
import {
  createCassandraClient,
  type CassandraOptions,
} from '../src/store/cassandra/cassandra-options.js';
import { migrate } from '../src/store/cassandra/cassandra-schema.js';
import { openCassandraStore } from '../src/store/cassandra/cassandra-store.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { cpuSeconds } from './support/results.js';
import { syntheticTraffic } from './support/synthetic-traffic.js';

/**
 * `npx tsx bench/processor-path.ts [events]`: the processor alone, in process: the embedded log is
 * filled first (not measured), then the processor reads it into the embedded store; CPU µs per
 * event of the whole process (DuckDB's threads included) while it does, phase by phase.
 * With STORE=cassandra it writes to a fresh keyspace on CASSANDRA_CONTACT_POINTS (default
 * 127.0.0.1:9042) instead, and also reports the CPU the Cassandra node spent (CASSANDRA_PID, else
 * found by its command line).
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
// The traffic generator may yield a few events fewer than asked for: count what the log holds.
let appended = 0;
let batch: Array<{ key: string; value: Buffer }> = [];
for (const event of traffic) {
  appended++;
  batch.push({ key: logKey(event), value: encodeEvent(event) });
  if (batch.length === 1000) {
    await log.append(batch);
    batch = [];
  }
}
if (batch.length) await log.append(batch);
const store: Store =
  process.env.STORE === 'cassandra'
    ? await openCassandra()
    : await DuckDbStore.open({
        path: join(dir, 'store.duckdb'),
        rawEventRetentionMs: 0,
        dedupeWindowMs: 86_400_000,
        visitorSecret: 'bench',
      });
const cassandraPid = process.env.STORE === 'cassandra' ? pidOf('CassandraDaemon') : null;
const cassandraBefore = cassandraPid === null ? null : cpuSeconds(cassandraPid);
const cpu = process.cpuUsage();
const started = performance.now();
// Every record read counts, whether the store kept it or dropped it as a duplicate.
let handled = 0;
const done = new Promise<void>((resolve) => {
  const observer = {
    batch: (counts: { stored: number; duplicate: number; dead_lettered: number }) => {
      handled += counts.stored + counts.duplicate + counts.dead_lettered;
      if (handled >= appended) resolve();
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
  `${appended} events processed in ${seconds.toFixed(1)} s = ${Math.round(appended / seconds)} ev/s; CPU ${((used.user + used.system) / appended).toFixed(1)} µs/event = ${Math.round(appended / ((used.user + used.system) / 1e6))} events per CPU-second (${(((used.user + used.system) / 1e6 / seconds) * 100).toFixed(0)} % of a core)\n`,
);
if (cassandraPid !== null && cassandraBefore !== null) {
  const spent = (cpuSeconds(cassandraPid) ?? cassandraBefore) - cassandraBefore;
  process.stdout.write(
    `Cassandra node (pid ${cassandraPid}) meanwhile: ${((spent * 1e6) / appended).toFixed(1)} µs of CPU per event\n`,
  );
}
await store.close();
await log.close();

async function openCassandra(): Promise<Store> {
  const options: CassandraOptions = {
    contactPoints: (process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042').split(','),
    localDataCenter: 'datacenter1',
    keyspace: `clickstream_processor_bench_${Date.now().toString(36)}`,
    replication: 'SimpleStrategy:1',
    consistency: 'LOCAL_ONE',
    rawEventRetentionMs: 0,
  };
  const admin = createCassandraClient(options);
  await admin.connect();
  await migrate(admin, options.keyspace, options.replication);
  await admin.shutdown();
  return openCassandraStore(options);
}

/** The pid whose command line names `marker` (CASSANDRA_PID wins), or null. */
function pidOf(marker: string): number | null {
  if (process.env.CASSANDRA_PID) return Number(process.env.CASSANDRA_PID);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return null;
}
