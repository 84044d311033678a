import { connect } from 'node:net';
import { runMigrate, startClickstream, tempDir } from '../support/processes.js';
import type { SuiteContext, SuiteReport } from '../support/results.js';
import { freshnessSuite } from './freshness.js';
import { ingestSuite } from './ingest.js';

const KAFKA = { host: '127.0.0.1', port: 9092 };
const CASSANDRA = { host: '127.0.0.1', port: 9042 };

/**
 * The ingest and freshness suites again with EVENT_LOG=kafka STORE=cassandra, when a broker and
 * a Cassandra node answer on their default loopback ports (`npm run services` starts them).
 * Skipped with a reason otherwise, or when this build cannot start with those adapters.
 */
export async function scaledSuites(
  context: SuiteContext,
  which: ReadonlyArray<'ingest' | 'freshness'> = ['ingest', 'freshness'],
): Promise<SuiteReport[]> {
  const run = Date.now().toString(36);
  const env = {
    EVENT_LOG: 'kafka',
    STORE: 'cassandra',
    KAFKA_BROKERS: `${KAFKA.host}:${KAFKA.port}`,
    CASSANDRA_CONTACT_POINTS: `${CASSANDRA.host}:${CASSANDRA.port}`,
    // A topic and keyspace of its own per run: earlier data would change what is measured.
    KAFKA_TOPIC: `bench-${run}`,
    KAFKA_DLQ_TOPIC: `bench-${run}-dlq`,
    CASSANDRA_KEYSPACE: `bench_${run}`,
    PROCESSOR_GROUP_ID: `bench-${run}`,
  };
  // The --baseline build gets a topic, group and keyspace of its own.
  const baselineEnv = {
    ...env,
    KAFKA_TOPIC: `bench-${run}-base`,
    KAFKA_DLQ_TOPIC: `bench-${run}-base-dlq`,
    CASSANDRA_KEYSPACE: `bench_${run}_base`,
    PROCESSOR_GROUP_ID: `bench-${run}-base`,
  };
  const reason = await unavailable(env);
  if (!reason && context.baselineDist && which.includes('ingest')) await runMigrate(baselineEnv);
  const reports: SuiteReport[] = [];
  if (which.includes('ingest')) {
    reports.push(
      reason
        ? skipped('ingest-scaled', 'Ingest, Kafka + Cassandra', reason)
        : await ingestSuite(context, {
            suite: 'ingest-scaled',
            title: 'Ingest, Kafka + Cassandra (one broker, one node, on this machine)',
            env,
            baselineEnv,
          }),
    );
  }
  if (which.includes('freshness')) {
    reports.push(
      reason
        ? skipped('freshness-scaled', 'Freshness, Kafka + Cassandra', reason)
        : await freshnessSuite(context, {
            suite: 'freshness-scaled',
            title: 'Freshness, Kafka + Cassandra: from 202 to visible in a query',
            env,
            rates: context.quick ? [200] : [200, 2000],
          }),
    );
  }
  return reports;
}

async function unavailable(env: Record<string, string>): Promise<string | null> {
  for (const [name, target] of [
    ['Kafka', KAFKA],
    ['Cassandra', CASSANDRA],
  ] as const) {
    if (!(await reachable(target.host, target.port)))
      return `${name} does not answer on ${target.host}:${target.port} (start the services with \`npm run services\`).`;
  }
  const data = tempDir('clickstream-bench-');
  try {
    await runMigrate(env);
    const server = await startClickstream({ ...env, DATA_DIR: data.path });
    await server.stop();
    return null;
  } catch (error) {
    const first =
      (error instanceof Error ? error.message : String(error))
        .split('\n')
        .find((l) => /error|not available|fail/i.test(l)) ?? 'see the server log';
    return `Clickstream could not be set up with EVENT_LOG=kafka STORE=cassandra: ${first.slice(0, 300)}`;
  } finally {
    data.remove();
  }
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function skipped(suite: string, title: string, reason: string): SuiteReport {
  process.stderr.write(`${title}: skipped — ${reason}\n`);
  return { suite, title, notes: [`Skipped: ${reason}`], table: '', data: { skipped: reason } };
}
