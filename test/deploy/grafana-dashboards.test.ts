import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  grafanaValidators,
  GRAFANA_SCHEMA_VERSION,
  type GrafanaValidators,
} from './support/grafana-schema.js';
import { allPanels, loadDashboards } from './support/promql-sources.js';
import { ROOT } from './support/tools.js';

const dashboards = loadDashboards();
const provisioning = (path: string) =>
  parse(readFileSync(join(ROOT, 'deploy/grafana/provisioning', path), 'utf8'));

function problems(validate: ValidateFunction, value: unknown, where: string): string[] {
  return validate(value)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${where}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
      );
}

describe(`Grafana dashboards (checked against @grafana/schema ${GRAFANA_SCHEMA_VERSION})`, () => {
  let validators: GrafanaValidators;
  beforeAll(() => {
    validators = grafanaValidators();
  }, 60_000);

  it('has the six dashboards the operators need', () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual([
      'clickstream-api',
      'clickstream-cassandra',
      'clickstream-cassandra-nodes',
      'clickstream-kafka',
      'clickstream-kafka-brokers',
      'clickstream-overview',
    ]);
  });

  it("shows what the issue asks of Kafka's and Cassandra's own health", () => {
    const exprs = (uid: string) =>
      allPanels(dashboards.find((d) => d.json.uid === uid)!.json.panels).flatMap((p) =>
        (p.targets ?? []).map((t) => t.expr ?? ''),
      );
    const kafka = exprs('clickstream-kafka-brokers').join('\n');
    for (const metric of [
      'kafka_network_requests_total',
      'request="Produce"',
      'request=~"Fetch|FetchConsumer"',
      'kafka_server_under_replicated_partitions',
      'kafka_server_isr_shrinks_total',
      'clickstream_processor_lag_records',
    ]) {
      expect(kafka, metric).toContain(metric);
    }
    const cassandra = exprs('clickstream-cassandra-nodes').join('\n');
    for (const metric of [
      'operation="Read"',
      'operation="Write"',
      'cassandra_compaction_pending_tasks',
      'cassandra_dropped_messages_total{message_type="MUTATION"}',
    ]) {
      expect(cassandra, metric).toContain(metric);
    }
  });

  it.each(dashboards)(
    '$file is a valid dashboard, and so is every panel and query',
    ({ file, json }) => {
      const found = problems(validators.dashboard, json, file);
      for (const panel of allPanels(json.panels) as any[]) {
        const where = `${file} › ${panel.title}`;
        if (panel.type === 'row') continue;
        const plugin = validators.panels[panel.type];
        if (!plugin) {
          found.push(
            `${where}: panel type ${panel.type} is not checked; add its schema to support/grafana-schema.ts`,
          );
          continue;
        }
        found.push(...problems(plugin.options, panel.options, `${where} options`));
        if (plugin.fieldConfig)
          found.push(
            ...problems(
              plugin.fieldConfig,
              panel.fieldConfig?.defaults?.custom ?? {},
              `${where} fieldConfig.defaults.custom`,
            ),
          );
        for (const target of panel.targets ?? []) {
          found.push(...problems(validators.query, target, `${where} › ${target.refId}`));
          if (typeof target.expr !== 'string' || target.expr.trim() === '')
            found.push(`${where} › ${target.refId}: no PromQL expr`);
        }
      }
      expect(found).toEqual([]);
    },
  );

  it.each(dashboards)(
    '$file lays its panels on the 24-column grid without overlap and with unique ids',
    ({ file, json }) => {
      const panels = allPanels(json.panels) as any[];
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size, `${file} panel ids`).toBe(ids.length);
      const boxes = panels.map((p) => ({ title: p.title, ...p.gridPos }));
      for (const [i, a] of boxes.entries()) {
        expect(a.x + a.w, `${file} › ${a.title} fits the grid`).toBeLessThanOrEqual(24);
        for (const b of boxes.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${file}: ${a.title} overlaps ${b.title}`).toBe(false);
        }
      }
    },
  );

  it('points every panel and query at the provisioned Prometheus data source', () => {
    const [source] = provisioning('datasources/prometheus.yml').datasources;
    expect(source).toMatchObject({ type: 'prometheus', uid: 'prometheus', isDefault: true });
    for (const { file, json } of dashboards) {
      for (const panel of allPanels(json.panels) as any[]) {
        if (panel.type === 'row') continue;
        expect(panel.datasource, `${file} › ${panel.title}`).toEqual({
          type: source.type,
          uid: source.uid,
        });
        for (const target of panel.targets)
          expect(target.datasource, `${file} › ${panel.title} › ${target.refId}`).toEqual({
            type: source.type,
            uid: source.uid,
          });
      }
    }
  });

  it('is loaded by the dashboards provider from the folder compose mounts', () => {
    const [provider] = provisioning('dashboards/clickstream.yml').providers;
    expect(provider).toMatchObject({ type: 'file', options: { path: '/etc/grafana/dashboards' } });
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('./deploy/grafana/dashboards:/etc/grafana/dashboards:ro');
    expect(compose).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
  });
});
