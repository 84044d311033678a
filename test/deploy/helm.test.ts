import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { environmentProblems } from './support/clickstream-env.js';
import { CHART, KUBE_VERSION, run, template, type Manifest } from './support/helm-chart.js';
import { ensureHelm, ensureKubernetesValidate, ROOT } from './support/tools.js';

const FULL = join(CHART, 'ci/full-values.yaml');
let helm: string;
let validator: string;
let dir: string;

const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name);

/** What a container of the chart sees: its ConfigMap, its Secret (when the chart makes it) and its own env. */
function containerEnvironment(manifests: Manifest[], container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const found = named(manifests, source.configMapRef ? 'ConfigMap' : 'Secret', ref.name);
    Object.assign(env, found?.data ?? {}, found?.stringData ?? {});
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value;
  return env;
}

function workloads(manifests: Manifest[]): { where: string; pod: any }[] {
  return [...ofKind(manifests, 'Deployment'), ...ofKind(manifests, 'Job')].map((m) => ({
    where: `${m.kind}/${m.metadata.name}`,
    pod: m.spec.template.spec,
  }));
}

describe(`Helm chart deploy/helm/clickstream (helm lint, helm template, Kubernetes ${KUBE_VERSION} schemas)`, () => {
  beforeAll(() => {
    helm = ensureHelm();
    validator = ensureKubernetesValidate();
    dir = mkdtempSync(join(tmpdir(), 'clickstream-helm-'));
  }, 600_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['default values', []],
    ['every option on (ci/full-values.yaml)', ['-f', FULL]],
  ])('passes helm lint --strict with %s', (_name, args) => {
    const result = run(helm, ['lint', '--strict', CHART, ...args]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('0 chart(s) failed');
  });

  it.each([
    ['default values', []],
    ['every option on', ['-f', FULL]],
  ])('renders manifests that validate against the strict Kubernetes schemas (%s)', (name, args) => {
    const { manifests } = template(helm, args);
    const operator = new Set(['ServiceMonitor', 'PodMonitor', 'PrometheusRule']);
    const builtIn = manifests.filter((m) => !operator.has(m.kind));
    const file = join(dir, `${name.replaceAll(' ', '-')}.yaml`);
    writeFileSync(file, builtIn.map((m) => `---\n${stringify(m)}`).join(''));
    const result = run(validator, [
      '--strict',
      '--kubernetes-version',
      KUBE_VERSION,
      '--quiet',
      file,
    ]);
    expect(result.status, result.output).toBe(0);
    // The Prometheus Operator's CRDs are not in Kubernetes' schemas; its own models check them.
    for (const monitor of ofKind(manifests, 'ServiceMonitor'))
      expect(() => new ServiceMonitor(monitor as never).validate()).not.toThrow();
    for (const monitor of ofKind(manifests, 'PodMonitor'))
      expect(() => new PodMonitor(monitor as never).validate()).not.toThrow();
    for (const rule of ofKind(manifests, 'PrometheusRule'))
      expect(() => new PrometheusRule(rule as never).validate()).not.toThrow();
  });

  it('runs a Deployment per role with a Service, PodDisruptionBudget and probes on /healthz and /readyz', () => {
    const { manifests } = template(helm);
    const deployments = ofKind(manifests, 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'demo-clickstream-ingest',
      'demo-clickstream-processor',
      'demo-clickstream-query',
    ]);
    for (const deployment of deployments) {
      const [container] = deployment.spec.template.spec.containers;
      const role = deployment.metadata.labels!['app.kubernetes.io/component']!;
      expect(containerEnvironment(manifests, container).ROLES, deployment.metadata.name).toBe(role);
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.startupProbe.httpGet.path).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.resources.requests).toBeDefined();
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      const podLabels = deployment.spec.template.metadata.labels;
      for (const kind of ['Service', 'PodDisruptionBudget']) {
        const selecting = ofKind(manifests, kind).filter((m) => {
          const selector = m.spec.selector.matchLabels ?? m.spec.selector;
          return Object.entries(selector).every(([k, v]) => podLabels[k] === v);
        });
        expect(selecting.length, `${kind} selecting ${deployment.metadata.name}`).toBe(1);
      }
    }
  });

  it('scales ingest with an HPA (the Deployment then leaves replicas to it)', () => {
    const { manifests } = template(helm);
    const [hpa] = ofKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpa!.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'demo-clickstream-ingest',
    });
    expect(
      named(manifests, 'Deployment', 'demo-clickstream-ingest')!.spec.replicas,
    ).toBeUndefined();
    expect(named(manifests, 'Deployment', 'demo-clickstream-processor')!.spec.replicas).toBe(2);
  });

  it.each([
    ['default values', []],
    ['every option on', ['-f', FULL]],
  ])(
    'gives every container only settings our configuration knows, pointing at Kafka and Cassandra (%s)',
    (_name, args) => {
      const { manifests } = template(helm, args);
      const problems: string[] = [];
      for (const { where, pod } of workloads(manifests)) {
        for (const container of pod.containers) {
          const env = containerEnvironment(manifests, container);
          problems.push(...environmentProblems(`${where}/${container.name}`, env));
          expect(env, where).toMatchObject({ EVENT_LOG: 'kafka', STORE: 'cassandra' });
          expect(env.KAFKA_BROKERS, where).toBeTruthy();
          expect(env.CASSANDRA_CONTACT_POINTS, where).toBeTruthy();
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it("believes the ingress controller's X-Forwarded-For on every role (the ingest rate limit is per client)", () => {
    const { manifests } = template(helm);
    for (const deployment of ofKind(manifests, 'Deployment')) {
      const env = containerEnvironment(manifests, deployment.spec.template.spec.containers[0]);
      expect(env.TRUSTED_PROXIES, deployment.metadata.name).toBe(
        '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
      );
    }
  });

  it('keeps passwords and the visitor salt in a Secret, and can use one the operator manages', () => {
    const { manifests } = template(helm, ['-f', FULL]);
    const secret = named(manifests, 'Secret', 'demo-clickstream-secrets')!;
    expect(Object.keys(secret.stringData!).sort()).toEqual([
      'API_KEYS',
      'CASSANDRA_PASSWORD',
      'CASSANDRA_USERNAME',
      'METRICS_API_KEY',
      'VISITOR_SALT_SECRET',
    ]);
    expect(secret.stringData!.API_KEYS).toBe(
      'admin-key-0123456789abcdef,shop-key-0123456789abcdef:shop|shop-eu',
    );
    expect(named(manifests, 'ConfigMap', 'demo-clickstream-config')!.data).not.toHaveProperty(
      'CASSANDRA_PASSWORD',
    );
    const external = template(helm, [
      '--set',
      'secrets.existingSecret=analytics-credentials',
    ]).manifests;
    expect(ofKind(external, 'Secret')).toEqual([]);
    for (const { pod } of workloads(external))
      expect(pod.containers[0].envFrom).toContainEqual({
        secretRef: { name: 'analytics-credentials' },
      });
  });

  it('migrates the schema in a hook Job before install and upgrade, after its ConfigMap and Secret exist', () => {
    const { manifests } = template(helm);
    const job = named(manifests, 'Job', 'demo-clickstream-migrate')!;
    expect(job.spec.template.spec.containers[0].command).toEqual(['clickstream', 'migrate']);
    expect(job.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    for (const needed of [
      named(manifests, 'ConfigMap', 'demo-clickstream-config')!,
      named(manifests, 'Secret', 'demo-clickstream-secrets')!,
    ]) {
      expect(needed.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(Number(needed.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(
        Number(job.metadata.annotations!['helm.sh/hook-weight']),
      );
    }
  });

  it('refuses to render without Kafka brokers or Cassandra contact points', () => {
    for (const unset of ['kafka.brokers=[]', 'cassandra.contactPoints=[]']) {
      expect(() => template(helm, ['--set-json', unset]), unset).toThrow(/minItems/);
    }
  });

  it('labels every role job="clickstream" in the optional ServiceMonitor, as the alerts expect', () => {
    const { manifests } = template(helm, ['-f', FULL]);
    const [monitor] = ofKind(manifests, 'ServiceMonitor');
    expect(monitor!.spec.jobLabel).toBe('app.kubernetes.io/name');
    for (const service of ofKind(manifests, 'Service'))
      expect(service.metadata.labels!['app.kubernetes.io/name']).toBe('clickstream');
  });

  it('scrapes with the metrics key from the Secret when METRICS_API_KEY is set, and without one otherwise', () => {
    const keyed = ofKind(template(helm, ['-f', FULL]).manifests, 'ServiceMonitor')[0]!;
    expect(keyed.spec.endpoints[0].authorization).toEqual({
      type: 'Bearer',
      credentials: { name: 'demo-clickstream-secrets', key: 'METRICS_API_KEY' },
    });
    const open = ofKind(
      template(helm, ['--set', 'serviceMonitor.enabled=true']).manifests,
      'ServiceMonitor',
    )[0]!;
    expect(open.spec.endpoints[0].authorization).toBeUndefined();
  });

  it('ships the alerts and recording rules of deploy/prometheus/rules as a PrometheusRule, the same rules', () => {
    expect(ofKind(template(helm).manifests, 'PrometheusRule')).toEqual([]);
    const [rule] = ofKind(template(helm, ['-f', FULL]).manifests, 'PrometheusRule');
    const dir = join(ROOT, 'deploy/prometheus/rules');
    const groups = readdirSync(dir)
      .filter((f) => f.endsWith('.yml'))
      .sort()
      .flatMap((f) => parse(readFileSync(join(dir, f), 'utf8')).groups);
    expect(rule!.spec.groups).toEqual(groups);
    expect(rule!.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
  });

  it("ships every Grafana dashboard as a ConfigMap for Grafana's sidecar, pointed at the chosen data source", () => {
    const { manifests } = template(helm, ['-f', FULL]);
    const dir = join(ROOT, 'deploy/grafana/dashboards');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const maps = ofKind(manifests, 'ConfigMap').filter(
      (m) => m.metadata.labels?.grafana_dashboard === '1',
    );
    expect(maps.map((m) => Object.keys(m.data!)[0]).sort()).toEqual(files);
    for (const map of maps) {
      const [file, text] = Object.entries(map.data!)[0]!;
      const expected = readFileSync(join(dir, file), 'utf8').replaceAll(
        '"uid": "prometheus"',
        '"uid": "prom-main"',
      );
      expect(JSON.parse(text), file).toEqual(JSON.parse(expected));
      expect(map.metadata.annotations?.grafana_folder).toBe('Clickstream');
    }
  });

  it('ships the JMX exporter rules of deploy/jmx for the brokers and nodes, and PodMonitors that scrape them as job kafka and cassandra', () => {
    const { manifests } = template(helm, ['-f', FULL]);
    for (const system of ['kafka', 'cassandra']) {
      const map = named(manifests, 'ConfigMap', `demo-clickstream-jmx-${system}`)!;
      expect(map.data![`${system}.yml`]).toBe(
        readFileSync(join(ROOT, 'deploy/jmx', `${system}.yml`), 'utf8').trimEnd(),
      );
      const monitor = named(manifests, 'PodMonitor', `demo-clickstream-${system}`)!;
      expect(monitor.spec.podMetricsEndpoints[0].relabelings).toEqual([
        { targetLabel: 'job', replacement: system },
      ]);
    }
    expect(named(manifests, 'PodMonitor', 'demo-clickstream-kafka')!.spec).toMatchObject({
      selector: { matchLabels: { 'strimzi.io/kind': 'Kafka' } },
      namespaceSelector: { matchNames: ['kafka'] },
    });
    expect(
      named(manifests, 'PodMonitor', 'demo-clickstream-cassandra')!.spec.podMetricsEndpoints[0]
        .port,
    ).toBe('prometheus');
  });
});
