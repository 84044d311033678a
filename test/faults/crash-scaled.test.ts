import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrate } from '../../src/cli/migrate.js';
import { startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';
import { diagnoseStore } from '../support/cassandra-diagnose.js';
import { describeReport, freePort, spawnLoadgen, verify } from '../support/faults.js';

type Role = 'ingest' | 'processor' | 'query';

/**
 * Scaled mode (Kafka log, Cassandra store) with each role in its own process. Under sustained
 * load, each role in turn is killed with SIGKILL and restarted on the same port; the ledger then
 * proves through the query role that every acknowledged event is stored exactly once.
 */
describe('fault: crash of each scaled role under load', () => {
  const servers = new Map<Role, ServerProcess>();
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.kill()));
  });

  it('loses nothing acknowledged and counts nothing twice when ingest, processor and query are killed in turn', async () => {
    const id = randomUUID().replaceAll('-', '').slice(0, 10);
    const dataDir = tempDataDir();
    const base = {
      DATA_DIR: dataDir,
      EVENT_LOG: 'kafka',
      STORE: 'cassandra',
      CASSANDRA_QUERY_ROW_BUDGET: '0',
      KAFKA_BROKERS: process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKA_TOPIC: `clickstream.faults.${id}`,
      KAFKA_DLQ_TOPIC: `clickstream.faults.${id}.dlq`,
      KAFKA_TOPIC_PARTITIONS: '6',
      PROCESSOR_GROUP_ID: `clickstream-faults-${id}`,
      CASSANDRA_CONTACT_POINTS: process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042',
      CASSANDRA_KEYSPACE: `faults_${id}`,
      // Every role hashes visitors with the same secret, as in a real deployment.
      VISITOR_SALT_SECRET: `faults-secret-${id}`,
    };
    const output: string[] = [];
    const io = {
      stdout: { write: (t: string) => output.push(t) },
      stderr: { write: (t: string) => output.push(t) },
      stderrIsTty: false,
      signal: new AbortController().signal,
    };
    expect(await runMigrate([], io, base), output.join('')).toBe(0);

    const ports: Record<Role, number> = {
      ingest: await freePort(),
      processor: await freePort(),
      query: await freePort(),
    };
    const envOf = (role: Role) => ({ ...base, ROLES: role, PORT: String(ports[role]) });
    const start = async (role: Role) => servers.set(role, await startServer(envOf(role), 90_000));
    await Promise.all((['ingest', 'processor', 'query'] as const).map(start));
    const ingestUrl = `http://127.0.0.1:${ports.ingest}`;
    const queryUrl = `http://127.0.0.1:${ports.query}`;
    const ledger = join(dataDir, 'ledger.jsonl');

    const load = spawnLoadgen([
      '--url',
      ingestUrl,
      '--rate',
      '350',
      '--duration',
      '120s',
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
    const loadStarted = Date.now();
    const downtimes: Record<string, number> = {};
    let lastKillAt = 0;
    // The load runs until every role has been killed and restarted, then 3 s more.
    for (const role of ['ingest', 'processor', 'query'] as const) {
      await sleep(role === 'ingest' ? 3_000 : 1_000);
      await servers.get(role)!.kill();
      const killedAt = Date.now();
      lastKillAt = killedAt - loadStarted;
      await start(role);
      downtimes[role] = Date.now() - killedAt;
    }
    await sleep(3_000);
    load.finish();
    const { report } = await load.done;
    expect(report.elapsedMs, 'every kill landed while the load was running').toBeGreaterThan(
      lastKillAt,
    );

    const result = await verify(queryUrl, ledger, 60_000);
    console.info(
      `crash-scaled: ${report.sent} sent, ${report.accepted} acknowledged, ${report.unknown} unknown, retries ${report.retries}, down ${JSON.stringify(downtimes)} ms, last kill at ${lastKillAt} ms, errors ${JSON.stringify(report.errors)}; verify ${result.ok ? 'PASS' : 'FAIL'} in ${result.elapsedMs} ms`,
    );
    if (!result.ok)
      console.info(await diagnoseStore([base.CASSANDRA_CONTACT_POINTS], base.CASSANDRA_KEYSPACE));
    expect(report.accepted).toBeGreaterThan(4_000);
    expect(result.ok, describeReport(result)).toBe(true);
    expect(result.acknowledged).toBe(report.accepted);
  }, 180_000);
});
