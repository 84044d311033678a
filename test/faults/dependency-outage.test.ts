import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type * as ServicesModule from '../../services/index.js';
import { runMigrate } from '../../src/cli/migrate.js';
import { startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';
import { describeReport, freePort, spawnLoadgen, verify, watchRss } from '../support/faults.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

type ServicesApi = typeof ServicesModule;
const ROOT = resolve(import.meta.dirname, '../..');
const quietIo = () => {
  const output: string[] = [];
  return {
    output,
    io: {
      stdout: { write: (t: string) => output.push(t) },
      stderr: { write: (t: string) => output.push(t) },
      stderrIsTty: false,
      signal: new AbortController().signal,
    },
  };
};

async function probeTrack(
  url: string,
): Promise<{ status: number; retryAfter: string | null; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${url}/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      event_type: 'page_view',
      page_url: '/outage-probe',
      site_id: 'outage-probe',
      user_id: randomUUID(),
    }),
    signal: AbortSignal.timeout(20_000),
  });
  await response.arrayBuffer();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    ms: Date.now() - started,
  };
}

describe('fault: dependency outage', () => {
  const servers: ServerProcess[] = [];
  let proxy: TcpProxy | null = null;
  let services: ServicesApi | null = null;
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await proxy?.close();
    // The separate Kafka of this test (its own services dir and address), never the shared one.
    if (services && process.env.CLICKSTREAM_SERVICES_HOST_BASE === '10') {
      await services.stopServiceNode('kafka', 1, () => {}).catch(() => {});
      rmSync(process.env.CLICKSTREAM_SERVICES_DIR!, { recursive: true, force: true });
    }
  });

  it('Kafka entirely down: ingest answers 503 with Retry-After, memory stays bounded, and it recovers by itself', async () => {
    // A separate single-node Kafka on 127.0.0.11:9092 (its own services dir, downloads shared),
    // so the shared broker on 127.0.0.1 keeps serving the rest of the suite.
    process.env.CLICKSTREAM_SERVICES_DIR = mkdtempSync(
      join(tmpdir(), 'clickstream-faults-services-'),
    );
    process.env.CLICKSTREAM_SERVICES_CACHE ??= join(ROOT, '.services', 'cache');
    process.env.CLICKSTREAM_SERVICES_HOST_BASE = '10';
    services = await import('../../services/index.js');
    const { kafkaBrokers } = await services.ensureServices({ kafka: true, log: () => {} });
    expect(kafkaBrokers).toEqual(['127.0.0.11:9092']);

    const id = randomUUID().replaceAll('-', '').slice(0, 10);
    const dataDir = tempDataDir();
    const port = await freePort();
    const server = await startServer(
      {
        DATA_DIR: dataDir,
        PORT: String(port),
        EVENT_LOG: 'kafka',
        STORE: 'sqlite',
        LIVE_VIEW: 'false',
        KAFKA_BROKERS: kafkaBrokers.join(','),
        KAFKA_TOPIC: `clickstream.outage.${id}`,
        KAFKA_DLQ_TOPIC: `clickstream.outage.${id}.dlq`,
        KAFKA_TOPIC_PARTITIONS: '3',
        PROCESSOR_GROUP_ID: `clickstream-outage-${id}`,
        LOG_MAX_PENDING_MB: '8',
      },
      90_000,
    );
    servers.push(server);
    const url = `http://127.0.0.1:${port}`;
    const pid = server.child.pid!;
    const rss = watchRss(() => pid);
    const ledger = join(dataDir, 'ledger.jsonl');
    // Retries honour Retry-After and outlast the outage, so every event ends acknowledged.
    const load = spawnLoadgen([
      '--url',
      url,
      '--rate',
      '200',
      '--duration',
      '35s',
      '--concurrency',
      '8',
      '--batch-size',
      '5',
      '--retries',
      '60',
      '--timeout',
      '20s',
      '--ledger',
      ledger,
    ]);

    await sleep(4_000);
    const stoppedAt = Date.now();
    await services.stopServiceNode('kafka', 1, () => {});
    const during = [];
    for (let i = 0; i < 4; i++) {
      during.push(await probeTrack(url));
      await sleep(1_000);
    }
    await services.startServiceNode('kafka', 1, () => {});
    const downMs = Date.now() - stoppedAt;
    let recoveredMs = -1;
    for (const started = Date.now(); Date.now() - started < 60_000; await sleep(500)) {
      if ((await probeTrack(url).catch(() => ({ status: 0 }))).status === 202) {
        recoveredMs = Date.now() - started;
        break;
      }
    }
    const { report } = await load.done;
    const peak = rss.stop();
    const result = await verify(url, ledger, 60_000);
    console.info(
      `dependency-outage (Kafka): down ${downMs} ms; answers during the outage ${JSON.stringify(during)}; ingest accepted again ${recoveredMs} ms after the broker returned; load ${report.sent} sent, ${report.accepted} acknowledged, ${report.unknown} unknown, retries ${report.retries}, errors ${JSON.stringify(report.errors)}; peak RSS ${(peak / 1048576).toFixed(0)} MiB; verify ${result.ok ? 'PASS' : 'FAIL'}`,
    );

    const refused = during.filter((d) => d.status === 503);
    expect(refused.length, JSON.stringify(during)).toBeGreaterThan(0);
    for (const d of refused) expect(d.retryAfter).toMatch(/^\d+$/);
    expect(
      during.every((d) => d.status === 503 || d.status === 202),
      JSON.stringify(during),
    ).toBe(true);
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    expect(peak).toBeLessThan(600 * 1024 * 1024);
    expect(server.child.exitCode).toBeNull();
    expect(result.ok, describeReport(result)).toBe(true);
  }, 180_000);

  it('Cassandra unreachable: the processor keeps retrying and catches up with exact counts', async () => {
    const id = randomUUID().replaceAll('-', '').slice(0, 10);
    const cassandra = process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042';
    const [host, cassandraPort] = cassandra.split(':');
    const base = {
      EVENT_LOG: 'kafka',
      STORE: 'cassandra',
      CASSANDRA_QUERY_ROW_BUDGET: '0',
      KAFKA_BROKERS: process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKA_TOPIC: `clickstream.outage.${id}`,
      KAFKA_DLQ_TOPIC: `clickstream.outage.${id}.dlq`,
      KAFKA_TOPIC_PARTITIONS: '3',
      PROCESSOR_GROUP_ID: `clickstream-outage-${id}`,
      CASSANDRA_KEYSPACE: `outage_${id}`,
    };
    const { output, io } = quietIo();
    expect(
      await runMigrate([], io, { ...base, CASSANDRA_CONTACT_POINTS: cassandra }),
      output.join(''),
    ).toBe(0);
    proxy = await startTcpProxy(host!, Number(cassandraPort ?? '9042'));
    const dataDir = tempDataDir();
    const port = await freePort();
    const server = await startServer(
      {
        ...base,
        DATA_DIR: dataDir,
        PORT: String(port),
        LIVE_VIEW: 'false',
        CASSANDRA_CONTACT_POINTS: `127.0.0.1:${proxy.port}`,
      },
      90_000,
    );
    servers.push(server);
    const url = `http://127.0.0.1:${port}`;
    const ledger = join(dataDir, 'ledger.jsonl');
    const load = spawnLoadgen([
      '--url',
      url,
      '--rate',
      '300',
      '--duration',
      '20s',
      '--concurrency',
      '8',
      '--batch-size',
      '5',
      '--retries',
      '10',
      '--ledger',
      ledger,
    ]);

    await sleep(4_000);
    await proxy.cut();
    await sleep(10_000);
    // What docs/api.md promises: a query that cannot reach the store answers 503 with Retry-After.
    const duringOutage = await fetch(`${url}/analytics/page-views?page=/&site_id=x`).then(
      async (r) => ({
        status: r.status,
        retryAfter: r.headers.get('retry-after'),
        code: ((await r.json()) as { code?: string }).code,
      }),
      (error: unknown) => ({ status: 0, retryAfter: null, code: String(error) }),
    );
    await proxy.restore();
    const { report } = await load.done;
    const result = await verify(url, ledger, 90_000);
    console.info(
      `dependency-outage (Cassandra): cut 10 s under load; a query during the outage answered ${JSON.stringify(duringOutage)}; load ${report.sent} sent, ${report.accepted} acknowledged, errors ${JSON.stringify(report.errors)}; verify ${result.ok ? 'PASS' : 'FAIL'} in ${result.elapsedMs} ms`,
    );
    expect(duringOutage).toEqual({
      status: 503,
      retryAfter: expect.stringMatching(/^\d+$/),
      code: 'STORE_UNAVAILABLE',
    });
    expect(report.errors).toEqual({});
    expect(server.child.exitCode).toBeNull();
    expect(result.ok, describeReport(result)).toBe(true);
    expect(result.acknowledged).toBe(report.accepted);
  }, 150_000);
});
