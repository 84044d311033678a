import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.js';
import { evaluate, until } from './support/promql-evaluate.js';
import { dashboardExpressions, ruleExpressions, ruleFiles } from './support/promql-sources.js';
import { ROOT } from './support/tools.js';
import { generateTraffic } from './support/traffic.js';

/**
 * The dashboards and alerts are not decoration: a real Prometheus (Debian's package) scrapes a
 * real Clickstream under load, loads the real rule files, and answers every PromQL expression of
 * every dashboard panel and every rule. Each must parse; each that describes Clickstream's own
 * traffic must return a number. (Those about Kafka and Cassandra themselves return data in
 * monitoring.test.ts, against a real broker and node.)
 */
let server: ServerProcess | undefined;
let prometheus: PrometheusServer | undefined;
let dir: string;

/** The compose configuration, with its targets replaced by the test server and a 1 s rhythm. */
function testConfig(target: string): string {
  const config = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
  const job = config.scrape_configs.find((c: { job_name: string }) => c.job_name === 'clickstream');
  if (!job) throw new Error('deploy/prometheus/prometheus.yml has no clickstream job');
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
  config.rule_files = ruleFiles();
  config.scrape_configs = [
    {
      job_name: 'clickstream',
      metrics_path: job.metrics_path,
      static_configs: [{ targets: [target], labels: { role: 'all' } }],
    },
  ];
  return stringify(config);
}

describe('Prometheus scraping a running Clickstream', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clickstream-prometheus-'));
    server = await startServer({ DATA_DIR: tempDataDir() });
    prometheus = await startPrometheus(dir, testConfig(new URL(server.url).host));
    await until(
      'the first scrape',
      async () =>
        (await prometheus!.api('query', { query: 'up{job="clickstream"} == 1' })).data.result
          .length > 0,
      20_000,
    );

    const statuses = await generateTraffic(server.url, {
      seconds: 8,
      concurrency: 4,
      maxRounds: 2_000,
    });
    expect(
      statuses.get(202),
      `traffic was accepted: ${JSON.stringify([...statuses])}`,
    ).toBeGreaterThan(0);
    // The processor reports lag every 5 s and rules evaluate every second: wait until both saw the load.
    await until(
      'the processor and the recording rules to see the traffic',
      async () => {
        const lag = await prometheus!.api('query', { query: 'clickstream_processor_lag_records' });
        const rule = await prometheus!.api('query', {
          query: 'clickstream:processor_events:rate5m > 0',
        });
        return lag.data.result.length > 0 && rule.data.result.length > 0;
      },
      20_000,
    );
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads every rule of deploy/prometheus/rules and evaluates each without error', async () => {
    await until(
      'every rule to be evaluated',
      async () => {
        const { data } = await prometheus!.api('rules');
        return data.groups.every((g: any) => g.rules.every((r: any) => r.health !== 'unknown'));
      },
      10_000,
    );
    const { data } = await prometheus!.api('rules');
    const rules = data.groups.flatMap((g: any) => g.rules);
    expect(rules.length).toBe(ruleExpressions().length);
    const unhealthy = rules
      .filter((r: any) => r.health !== 'ok')
      .map((r: any) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
    expect(unhealthy).toEqual([]);
    // Under a healthy load the pipeline's alerts stay quiet. (Latency and event-loop alerts depend
    // on how busy the test machine is, so they are not asserted here; promtool test rules covers them.)
    const quiet = [
      'ClickstreamTargetDown',
      'ClickstreamIngestErrorRate',
      'ClickstreamIngestRejectionRate',
      'ClickstreamNoEventsReceived',
      'ClickstreamProcessorStalled',
      'ClickstreamDeadLetters',
      'ClickstreamStoreErrors',
      'ClickstreamConsumerLagHigh',
      'ClickstreamPartitionStopped',
    ];
    expect(rules.map((r: any) => r.name)).toEqual(expect.arrayContaining(quiet));
    const active = rules
      .filter((r: any) => quiet.includes(r.name) && r.state !== 'inactive')
      .map((r: any) => `${r.name}: ${r.state}`);
    expect(active).toEqual([]);
  });

  it('answers every dashboard panel expression; those about Clickstream return data', async () => {
    const sources = dashboardExpressions();
    const { failures, withData, parsedOnly } = await evaluate(prometheus!, sources, {
      external: false,
    });
    expect(failures).toEqual([]);
    // Only Kafka's and Cassandra's own panels may be parse-only here.
    expect(
      parsedOnly.filter((where) => !/kafka-brokers|cassandra-nodes|cassandra-store/.test(where)),
    ).toEqual([]);
    expect(withData).toBe(sources.length - parsedOnly.length);
    expect(withData).toBeGreaterThan(40);
  });

  it('answers every alert and recording rule expression; their signals return data', async () => {
    const { failures, parsedOnly } = await evaluate(prometheus!, ruleExpressions(), {
      external: false,
    });
    expect(failures).toEqual([]);
    expect(
      parsedOnly.filter((where) => !where.includes('kafka-cassandra.rules.yml')).sort(),
    ).toEqual(['deploy/prometheus/rules/clickstream.rules.yml › ClickstreamProcessorStalled']);
  });
});
