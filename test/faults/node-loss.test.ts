import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { servicesCli } from '../support/services-cli.js';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrate } from '../../src/cli/migrate.js';
import { startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';
import { diagnoseStore } from '../support/cassandra-diagnose.js';
import { describeReport, freePort, spawnLoadgen, verify } from '../support/faults.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Node loss on a real 3-broker Kafka (RF 3, min.insync.replicas 2) and a 3-node Cassandra (RF 3,
 * LOCAL_QUORUM). The clusters run in their own services dir on 127.0.0.21–23
 * (CLICKSTREAM_SERVICES_HOST_BASE=20), beside the shared single-node services on 127.0.0.1.
 * A cold 3+3 start takes minutes and about 5 GB of memory, so this runs only with
 * FAULTS_MULTINODE=1 (a separate, longer job).
 */
const enabled = process.env.FAULTS_MULTINODE === '1';

describe.runIf(enabled)('fault: loss of one Kafka broker and one Cassandra node (3 + 3)', () => {
  // Created when the test runs, not when the (possibly skipped) suite is collected.
  const servicesEnv: NodeJS.ProcessEnv = {
    ...process.env,
    CLICKSTREAM_SERVICES_DIR: '',
    CLICKSTREAM_SERVICES_CACHE:
      process.env.CLICKSTREAM_SERVICES_CACHE ?? join(ROOT, '.services', 'cache'),
    CLICKSTREAM_SERVICES_HOST_BASE: '20',
  };
  const services = servicesCli(servicesEnv);
  let server: ServerProcess | null = null;

  afterAll(async () => {
    await server?.kill();
    await services('wipe').catch(() => {});
    if (servicesEnv.CLICKSTREAM_SERVICES_DIR)
      rmSync(servicesEnv.CLICKSTREAM_SERVICES_DIR, { recursive: true, force: true });
  }, 120_000);

  it('keeps ingesting and processing with a broker and a Cassandra node down; nothing acknowledged is lost; the nodes rejoin', async () => {
    servicesEnv.CLICKSTREAM_SERVICES_DIR = mkdtempSync(
      join(tmpdir(), 'clickstream-faults-multinode-'),
    );
    await services('up', '--kafka-nodes', '3', '--cassandra-nodes', '3');
    const id = randomUUID().replaceAll('-', '').slice(0, 10);
    const env = {
      DATA_DIR: tempDataDir(),
      EVENT_LOG: 'kafka',
      STORE: 'cassandra',
      CASSANDRA_QUERY_ROW_BUDGET: '0',
      LIVE_VIEW: 'false',
      KAFKA_BROKERS: '127.0.0.21:9092,127.0.0.22:9092,127.0.0.23:9092',
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_TOPIC: `clickstream.nodeloss.${id}`,
      KAFKA_DLQ_TOPIC: `clickstream.nodeloss.${id}.dlq`,
      KAFKA_TOPIC_PARTITIONS: '6',
      PROCESSOR_GROUP_ID: `clickstream-nodeloss-${id}`,
      CASSANDRA_CONTACT_POINTS: '127.0.0.21:9042,127.0.0.22:9042,127.0.0.23:9042',
      CASSANDRA_KEYSPACE: `nodeloss_${id}`,
      CASSANDRA_REPLICATION: 'SimpleStrategy:3',
      CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM',
    };
    const output: string[] = [];
    const io = {
      stdout: { write: (t: string) => output.push(t) },
      stderr: { write: (t: string) => output.push(t) },
      stderrIsTty: false,
      signal: new AbortController().signal,
    };
    expect(await runMigrate([], io, env), output.join('')).toBe(0);
    const port = await freePort();
    server = await startServer({ ...env, PORT: String(port) }, 120_000);
    const url = `http://127.0.0.1:${port}`;
    const ledger = join(env.DATA_DIR, 'ledger.jsonl');
    const load = spawnLoadgen([
      '--url',
      url,
      '--rate',
      '300',
      '--duration',
      '600s',
      '--concurrency',
      '16',
      '--batch-size',
      '5',
      '--retries',
      '30',
      '--timeout',
      '20s',
      '--ledger',
      ledger,
    ]);

    await sleep(8_000);
    await Promise.all([services('stop', 'kafka', '2'), services('stop', 'cassandra', '2')]);
    await sleep(20_000);
    // A broker rejoining a loaded 2-core machine can outlast one readiness window (90 s). The
    // second call waits for it once more, or returns at once if it listens by then (the load
    // and the verification below are what check that it serves).
    await services('start', 'kafka', '2').catch(async (error: unknown) => {
      console.info(`node-loss: kafka 2 not ready in time, waiting once more: ${String(error)}`);
      await services('start', 'kafka', '2');
    });
    await services('start', 'cassandra', '2');
    await sleep(5_000);
    load.finish();
    const { report } = await load.done;
    const status = await services('status');
    const result = await verify(url, ledger, 120_000).catch((error: unknown) => {
      throw new Error(
        `verify failed (${String(error)}); the server's last log lines:\n${server!.logs.slice(-40).join('\n')}`,
      );
    });
    console.info(
      `node-loss: ${report.sent} sent, ${report.accepted} acknowledged, ${report.unknown} unknown, retries ${report.retries}, errors ${JSON.stringify(report.errors)}; verify ${result.ok ? 'PASS' : 'FAIL'} in ${result.elapsedMs} ms\n${status.stdout}`,
    );
    if (!result.ok)
      console.info(
        await diagnoseStore(env.CASSANDRA_CONTACT_POINTS.split(','), env.CASSANDRA_KEYSPACE),
      );
    expect(report.accepted).toBeGreaterThan(5_000);
    expect(result.ok, describeReport(result)).toBe(true);
    expect(result.acknowledged).toBe(report.accepted);
  }, 900_000);
});

describe.skipIf(enabled)('fault: node loss (3 + 3)', () => {
  it.skip('runs only with FAULTS_MULTINODE=1 (3 Kafka brokers + 3 Cassandra nodes on 127.0.0.21–23)', () => {});
});
