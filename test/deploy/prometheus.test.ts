import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.js';
import { dashboardExpressions, isExternal, ruleExpressions, ruleFiles, type PromqlSource } from './support/promql-sources.js';
import { ROOT } from './support/tools.js';
import { generateTraffic } from './support/traffic.js';

/**
 * The dashboards and alerts are not decoration: a real Prometheus (Debian's package) scrapes a
 * real Clickstream under load, loads the real rule files, and answers every PromQL expression of
 * every dashboard panel and every rule. Each must parse; each that describes Clickstream's own
 * traffic must return a number.
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
  config.scrape_configs = [{ job_name: 'clickstream', metrics_path: job.metrics_path, static_configs: [{ targets: [target], labels: { role: 'all' } }] }];
  return stringify(config);
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function hasNumber(data: { resultType: string; result: any }): boolean {
  if (data.resultType === 'scalar') return Number.isFinite(Number(data.result[1]));
  return data.result.some((sample: { value: [number, string] }) => Number.isFinite(Number(sample.value[1])));
}

/** Every failure, not only the first, so one run shows everything that needs fixing. */
async function evaluate(sources: readonly PromqlSource[]): Promise<{ failures: string[]; withData: number; parsedOnly: string[] }> {
  const failures: string[] = [];
  const parsedOnly: string[] = [];
  let withData = 0;
  for (const source of sources) {
    try {
      await prometheus!.api('query', { query: source.expr });
      if (isExternal(source) || source.signal === undefined) {
        parsedOnly.push(source.where);
        continue;
      }
      const answer = await prometheus!.api('query', { query: source.signal });
      if (hasNumber(answer.data)) withData++;
      else failures.push(`${source.where}: no data for ${source.signal}`);
    } catch (error) {
      failures.push(`${source.where}: ${(error as Error).message}`);
    }
  }
  return { failures, withData, parsedOnly };
}

describe('Prometheus scraping a running Clickstream', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clickstream-prometheus-'));
    server = await startServer({ DATA_DIR: tempDataDir() });
    prometheus = await startPrometheus(dir, testConfig(new URL(server.url).host));
    await until('the first scrape', async () => (await prometheus!.api('query', { query: 'up{job="clickstream"} == 1' })).data.result.length > 0, 20_000);

    const statuses = await generateTraffic(server.url, { seconds: 8, concurrency: 4, maxRounds: 2_000 });
    expect(statuses.get(202), `traffic was accepted: ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    // The processor reports lag every 5 s and rules evaluate every second: wait until both saw the load.
    await until('the processor and the recording rules to see the traffic', async () => {
      const lag = await prometheus!.api('query', { query: 'clickstream_processor_lag_records' });
      const rule = await prometheus!.api('query', { query: 'clickstream:processor_events:rate5m > 0' });
      return lag.data.result.length > 0 && rule.data.result.length > 0;
    }, 20_000);
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads every rule of deploy/prometheus/rules and evaluates each without error', async () => {
    await until('every rule to be evaluated', async () => {
      const { data } = await prometheus!.api('rules');
      return data.groups.every((g: any) => g.rules.every((r: any) => r.health !== 'unknown'));
    }, 10_000);
    const { data } = await prometheus!.api('rules');
    const rules = data.groups.flatMap((g: any) => g.rules);
    expect(rules.length).toBe(ruleExpressions().length);
    const unhealthy = rules.filter((r: any) => r.health !== 'ok').map((r: any) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
    expect(unhealthy).toEqual([]);
    // Under a healthy load the pipeline's alerts stay quiet. (Latency and event-loop alerts depend
    // on how busy the test machine is, so they are not asserted here; promtool test rules covers them.)
    const quiet = ['ClickstreamTargetDown', 'ClickstreamIngestErrorRate', 'ClickstreamIngestRejectionRate', 'ClickstreamNoEventsReceived',
      'ClickstreamProcessorStalled', 'ClickstreamDeadLetters', 'ClickstreamStoreErrors', 'ClickstreamConsumerLagHigh'];
    expect(rules.map((r: any) => r.name)).toEqual(expect.arrayContaining(quiet));
    const active = rules.filter((r: any) => quiet.includes(r.name) && r.state !== 'inactive').map((r: any) => `${r.name}: ${r.state}`);
    expect(active).toEqual([]);
  });

  it('answers every dashboard panel expression; those about Clickstream return data', async () => {
    const sources = dashboardExpressions();
    const { failures, withData, parsedOnly } = await evaluate(sources);
    expect(failures).toEqual([]);
    // Only the exporters' panels (Kafka, Cassandra) may be parse-only here.
    expect(parsedOnly.every((where) => /kafka-processor|cassandra-store/.test(where))).toBe(true);
    expect(withData).toBeGreaterThanOrEqual(sources.length - parsedOnly.length);
    expect(withData).toBeGreaterThan(40);
  });

  it('answers every alert and recording rule expression; their signals return data', async () => {
    const { failures, parsedOnly } = await evaluate(ruleExpressions());
    expect(failures).toEqual([]);
    expect(parsedOnly.sort()).toEqual([
      'deploy/prometheus/rules/clickstream.rules.yml › ClickstreamProcessorStalled',
      'deploy/prometheus/rules/clickstream.rules.yml › KafkaConsumerGroupLagHigh',
    ]);
  });
});
