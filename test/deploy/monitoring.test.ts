import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runMigrate } from '../../src/cli/migrate.js';
import { startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.js';
import { evaluate, until } from './support/promql-evaluate.js';
import { dashboardExpressions, ruleExpressions, ruleFiles } from './support/promql-sources.js';
import { ROOT } from './support/tools.js';
import { generateTraffic } from './support/traffic.js';

/**
 * Kafka's and Cassandra's own metrics, with data: a real Prometheus scrapes the JMX exporter of a
 * real broker and a real Cassandra node (the services tool runs it in each, with deploy/jmx) and a
 * Clickstream on them under load, loads the rule files, and answers every expression of every
 * dashboard panel and every rule. Here each one must return data, Kafka's and Cassandra's included.
 */
const brokers = process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';
const cassandra = process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042';
const hostOf = (list: string) => list.split(',')[0]!.trim().replace(/:\d+$/, '');
// Where the services tool puts each node's JMX exporter (services/jmx-exporter.ts); set by the
// suite's global setup when it starts the services, or by hand beside other services.
const kafkaMetrics = (
  process.env.CLICKSTREAM_TEST_KAFKA_METRICS ?? `${hostOf(brokers)}:9404`
).split(',');
const cassandraMetrics = (
  process.env.CLICKSTREAM_TEST_CASSANDRA_METRICS ?? `${hostOf(cassandra)}:9405`
).split(',');

const id = randomUUID().replaceAll('-', '').slice(0, 10);
const keyspace = `clickstream_monitoring_${id}`;
let server: ServerProcess | undefined;
let prometheus: PrometheusServer | undefined;
let dir: string;

/** The compose scrape configuration, its targets replaced by the test's, at a 1 s rhythm. */
function testConfig(clickstream: string): string {
  const config = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
  const jobs = new Map<string, { job_name: string; metrics_path?: string }>(
    config.scrape_configs.map((c: { job_name: string }) => [c.job_name, c]),
  );
  for (const name of ['clickstream', 'kafka', 'cassandra'])
    if (!jobs.has(name)) throw new Error(`deploy/prometheus/prometheus.yml has no ${name} job`);
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
  config.rule_files = ruleFiles();
  config.scrape_configs = [
    {
      job_name: 'clickstream',
      metrics_path: jobs.get('clickstream')!.metrics_path,
      static_configs: [{ targets: [clickstream], labels: { role: 'all' } }],
    },
    // A JMX exporter walks every MBean per scrape: a busy Cassandra node takes over a second, past
    // the 1 s timeout a 1 s interval implies. Its samples stay dense enough for every [1m] rate.
    {
      job_name: 'kafka',
      scrape_interval: '5s',
      scrape_timeout: '5s',
      static_configs: [{ targets: kafkaMetrics }],
    },
    {
      job_name: 'cassandra',
      scrape_interval: '5s',
      scrape_timeout: '5s',
      static_configs: [{ targets: cassandraMetrics }],
    },
  ];
  return stringify(config);
}

async function exporterAnswers(address: string, mustContain: string): Promise<void> {
  const text = await fetch(`http://${address}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  if (!text.includes(mustContain)) {
    throw new Error(
      `no JMX exporter with ${mustContain} at ${address}: the services tool runs one in every broker and node (npm run services -- up; restart services started by an older version with down, then up)`,
    );
  }
}

describe('Prometheus scraping a real Kafka broker, Cassandra node and a Clickstream on them', () => {
  beforeAll(async () => {
    for (const address of kafkaMetrics)
      await exporterAnswers(address, 'kafka_network_requests_total');
    for (const address of cassandraMetrics)
      await exporterAnswers(address, 'cassandra_client_requests_total');
    dir = mkdtempSync(join(tmpdir(), 'clickstream-monitoring-'));
    const env = {
      EVENT_LOG: 'kafka',
      STORE: 'cassandra',
      KAFKA_BROKERS: brokers,
      CASSANDRA_CONTACT_POINTS: cassandra,
      CASSANDRA_KEYSPACE: keyspace,
      CASSANDRA_REPLICATION: 'SimpleStrategy:1',
      KAFKA_TOPIC: `clickstream.monitoring.${id}`,
      KAFKA_DLQ_TOPIC: `clickstream.monitoring.${id}.dlq`,
      KAFKA_TOPIC_PARTITIONS: '3',
      PROCESSOR_GROUP_ID: `clickstream-monitoring-${id}`,
    };
    const output: string[] = [];
    const io = {
      stdout: { write: (t: string) => output.push(t) },
      stderr: { write: (t: string) => output.push(t) },
      stderrIsTty: false,
      signal: new AbortController().signal,
    };
    expect(await runMigrate(['--wait', '30s'], io, env), output.join('')).toBe(0);
    server = await startServer({ ...env, DATA_DIR: tempDataDir() }, 90_000);
    prometheus = await startPrometheus(dir, testConfig(new URL(server.url).host));
    await until(
      'the first scrapes',
      async () =>
        (await prometheus!.api('query', { query: 'count(up == 1)' })).data.result[0]?.value[1] ===
        String(1 + kafkaMetrics.length + cassandraMetrics.length),
      30_000,
    );

    const statuses = await generateTraffic(server.url, {
      seconds: 10,
      concurrency: 4,
      maxRounds: 1_000,
    });
    expect(
      statuses.get(202),
      `traffic was accepted: ${JSON.stringify([...statuses])}`,
    ).toBeGreaterThan(0);
    await until(
      'the processor, the brokers and the node to report the traffic',
      async () => {
        const checks = [
          'clickstream:processor_events:rate5m > 0',
          'clickstream_processor_lag_records',
          `rate(kafka_server_messages_in_total{topic="clickstream.monitoring.${id}"}[1m]) > 0`,
          `cassandra_table_requests_total{keyspace="${keyspace}"}`,
        ];
        const answers = await Promise.all(
          checks.map((query) => prometheus!.api('query', { query })),
        );
        return answers.every((a) => a.data.result.length > 0);
      },
      60_000,
    );
  }, 240_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers every expression of every dashboard panel with data, Kafka and Cassandra panels included', async () => {
    const sources = dashboardExpressions({ keyspace });
    const { failures, withData, parsedOnly } = await evaluate(prometheus!, sources, {
      external: true,
    });
    expect(failures).toEqual([]);
    expect(parsedOnly).toEqual([]);
    expect(withData).toBe(sources.length);
    expect(
      sources.filter((s) => /kafka-brokers|cassandra-nodes/.test(s.where)).length,
    ).toBeGreaterThan(30);
  });

  it("answers every alert and recording rule with data, and Kafka's and Cassandra's alerts stay quiet on a healthy pair", async () => {
    const { failures, parsedOnly } = await evaluate(prometheus!, ruleExpressions(), {
      external: true,
    });
    expect(failures).toEqual([]);
    expect(parsedOnly).toEqual([
      'deploy/prometheus/rules/clickstream.rules.yml › ClickstreamProcessorStalled',
    ]);
    await until(
      'every rule to be evaluated',
      async () => {
        const { data } = await prometheus!.api('rules');
        return data.groups.every((g: any) => g.rules.every((r: any) => r.health !== 'unknown'));
      },
      10_000,
    );
    const rules = (await prometheus!.api('rules')).data.groups.flatMap((g: any) => g.rules);
    expect(
      rules.filter((r: any) => r.health !== 'ok').map((r: any) => `${r.name}: ${r.lastError}`),
    ).toEqual([]);
    const structural = [
      'KafkaBrokerDown',
      'KafkaOfflinePartitions',
      'KafkaUnderMinIsrPartitions',
      'KafkaUnderReplicatedPartitions',
      'CassandraNodeDown',
      'CassandraDroppedMutations',
    ];
    expect(
      rules
        .filter((r: any) => structural.includes(r.name) && r.state !== 'inactive')
        .map((r: any) => `${r.name}: ${r.state}`),
    ).toEqual([]);
  });
});
