import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runMigrate } from '../../src/cli/migrate.js';
import type { LoadgenReport } from '../../src/cli/loadgen/summary.js';
import type { VerifyReport } from '../../src/cli/verify/verify-ledger.js';
import { describeReport, freePort, spawnLoadgen, verify } from './faults.js';
import { diagnoseStore } from './cassandra-diagnose.js';
import { startServer, tempDataDir, type ServerProcess } from './server-process.js';

export interface SoakOptions {
  kafkaBrokers: string;
  cassandra: string;
  /** How long the load runs while processors are stopped and started. */
  durationMs: number;
  /** Time between two stops of a processor. */
  everyMs: number;
  /** Events per second the load generator offers. */
  rate: number;
  processors: number;
  log: (line: string) => void;
}

export interface SoakResult {
  ok: boolean;
  load: LoadgenReport;
  verify: VerifyReport;
  /** Processors stopped with SIGTERM and with SIGKILL, each then started again. */
  terminated: number;
  killed: number;
  /** A one-line account of the run, and on failure what the store holds. */
  summary: string;
  diagnosis: string | null;
}

/**
 * One rebalance soak: the scaled deployment (Kafka log with 6 partitions, Cassandra store) with
 * an ingest, a query and `processors` processor processes in one consumer group. Under load, every
 * `everyMs` one processor in turn is stopped — SIGTERM and SIGKILL alternately — and started again,
 * so partitions move between live processors all through the run. The load generator's ledger is
 * then proved through the query API: every acknowledged event counted exactly once per page, per
 * site and per event type, and the sampled visitors' events each stored once.
 */
export async function runRebalanceSoak(options: SoakOptions): Promise<SoakResult> {
  const id = randomUUID().replaceAll('-', '').slice(0, 10);
  const dataDir = tempDataDir();
  const base = {
    DATA_DIR: dataDir,
    EVENT_LOG: 'kafka',
    STORE: 'cassandra',
    CASSANDRA_QUERY_ROW_BUDGET: '0',
    KAFKA_BROKERS: options.kafkaBrokers,
    KAFKA_TOPIC: `clickstream.soak.${id}`,
    KAFKA_DLQ_TOPIC: `clickstream.soak.${id}.dlq`,
    KAFKA_TOPIC_PARTITIONS: '6',
    PROCESSOR_GROUP_ID: `clickstream-soak-${id}`,
    CASSANDRA_CONTACT_POINTS: options.cassandra,
    CASSANDRA_KEYSPACE: `soak_${id}`,
    VISITOR_SALT_SECRET: `soak-secret-${id}`,
    LOG_LEVEL: 'warn',
  };
  const output: string[] = [];
  const io = {
    stdout: { write: (t: string) => output.push(t) },
    stderr: { write: (t: string) => output.push(t) },
    stderrIsTty: false,
    signal: new AbortController().signal,
  };
  if ((await runMigrate([], io, base)) !== 0) throw new Error(`migrate failed: ${output.join('')}`);

  const servers: ServerProcess[] = [];
  const start = async (roles: string, port: number) =>
    startServer({ ...base, ROLES: roles, PORT: String(port), LOG_LEVEL: 'info' }, 90_000);
  try {
    const ingestPort = await freePort();
    const queryPort = await freePort();
    const ingest = await start('ingest', ingestPort);
    const query = await start('query', queryPort);
    servers.push(ingest, query);
    const processorPorts = await Promise.all(
      Array.from({ length: options.processors }, () => freePort()),
    );
    const processors = await Promise.all(processorPorts.map((port) => start('processor', port)));
    servers.push(...processors);
    const ledger = join(dataDir, 'ledger.jsonl');
    const load = spawnLoadgen([
      '--url',
      ingest.url,
      '--rate',
      String(options.rate),
      '--duration',
      `${Math.ceil(options.durationMs / 1000) + 60}s`,
      '--concurrency',
      '16',
      '--batch-size',
      '5',
      '--retries',
      '9',
      '--timeout',
      '8s',
      '--ledger',
      ledger,
    ]);
    const started = Date.now();
    let terminated = 0;
    let killed = 0;
    // A stop and the restart after it run on their own, so a stop lands every `everyMs` however
    // long a start takes; a processor is stopped again only once its last restart finished.
    const restarts: Array<Promise<void>> = processors.map(() => Promise.resolve());
    const cycle = async (slot: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
      const at = ((Date.now() - started) / 1000).toFixed(0);
      if (signal === 'SIGTERM') await processors[slot]!.stop();
      else await processors[slot]!.kill();
      const restarted = await start('processor', processorPorts[slot]!);
      processors[slot] = restarted;
      servers.push(restarted);
      options.log(
        `  ${at} s: processor ${slot + 1} ${signal === 'SIGTERM' ? 'stopped (SIGTERM)' : 'killed (SIGKILL)'}, started again`,
      );
    };
    for (let n = 0; (n + 1) * options.everyMs <= options.durationMs; n++) {
      await sleep(Math.max(0, started + (n + 1) * options.everyMs - Date.now()));
      const slot = n % options.processors;
      await restarts[slot];
      const signal = n % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
      if (signal === 'SIGTERM') terminated++;
      else killed++;
      restarts[slot] = cycle(slot, signal);
    }
    await Promise.all(restarts);
    await sleep(Math.max(0, started + options.durationMs - Date.now()));
    load.finish();
    const { report } = await load.done;
    const result = await verify(query.url, ledger, 120_000);
    const ok = result.ok && result.acknowledged === report.accepted && report.accepted > 0;
    const summary = `${report.accepted} acknowledged of ${report.sent} sent (${report.unknown} unknown, ${report.retries} retries) in ${(report.elapsedMs / 1000).toFixed(0)} s; ${terminated} SIGTERM + ${killed} SIGKILL restarts; ${result.pages} pages, ${result.sites} sites, ${result.sampledUsers} sampled visitors; verify ${ok ? 'PASS' : 'FAIL'} in ${result.elapsedMs} ms${ok ? '' : `\n${describeReport(result)}`}`;
    const diagnosis = ok
      ? null
      : await diagnoseStore(options.cassandra.split(','), base.CASSANDRA_KEYSPACE);
    return { ok, load: report, verify: result, terminated, killed, summary, diagnosis };
  } finally {
    await Promise.all(servers.map((s) => s.kill()));
  }
}
