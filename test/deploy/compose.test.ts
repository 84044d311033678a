import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { environmentProblems, hostsOf } from './support/clickstream-env.js';
import {
  dependenciesOf,
  environmentOf,
  loadCompose,
  type ComposeService,
} from './support/compose-file.js';
import { CASSANDRA_VERSION, JMX_EXPORTER_VERSION, KAFKA_VERSION } from '../../services/versions.js';
import { ROOT } from './support/tools.js';

const SCHEMA_DIR = join(ROOT, 'test/deploy/schemas');
const { doc } = loadCompose();
const services = Object.entries(doc.services);
/** The services that run the Clickstream image: their environment is our configuration. */
const clickstream = services.filter(([, s]) => s.image === 'clickstream:local');
const byImage = (prefix: string) =>
  services.filter(([, s]) => s.image?.startsWith(prefix)).map(([name]) => name);
const inDefaultProfile = (s: ComposeService) => !s.profiles?.length;

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema (compose-go v2.16.2, vendored)', () => {
    const schemaText = readFileSync(join(SCHEMA_DIR, 'compose-spec.json'), 'utf8');
    const readme = readFileSync(join(SCHEMA_DIR, 'README.md'), 'utf8');
    expect(readme, 'README.md records the vendored schema checksum').toContain(
      createHash('sha256').update(schemaText).digest('hex'),
    );
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
      JSON.parse(schemaText),
    );
    const valid = validate(doc);
    expect(
      valid
        ? []
        : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`),
    ).toEqual([]);
  });

  it('gives Clickstream services only settings our configuration knows, with values it accepts', () => {
    expect(clickstream.length).toBeGreaterThanOrEqual(4);
    expect(
      clickstream.flatMap(([name, s]) => environmentProblems(`services.${name}`, environmentOf(s))),
    ).toEqual([]);
  });

  it('runs every role in its own service, and the one-shot schema migration', () => {
    const roles = clickstream
      .map(([, s]) => environmentOf(s).ROLES)
      .filter(Boolean)
      .sort();
    expect(roles).toEqual(['ingest', 'processor', 'query']);
    const [, migrate] = clickstream.find(([name]) => name === 'migrate')!;
    // It waits for the nodes the replication needs (the cluster profile starts them one by one).
    expect(migrate.command).toEqual(['clickstream', 'migrate', '--wait', '15m']);
    expect(migrate.restart).toBe('no');
  });

  it('has every service the configuration needs: Kafka for EVENT_LOG=kafka, Cassandra for STORE=cassandra', () => {
    for (const [name, service] of clickstream) {
      const env = environmentOf(service);
      expect(env.EVENT_LOG, name).toBe('kafka');
      expect(env.STORE, name).toBe('cassandra');
      for (const host of hostsOf(env.KAFKA_BROKERS))
        expect(byImage('apache/kafka'), `${name}: KAFKA_BROKERS host ${host}`).toContain(host);
      for (const host of hostsOf(env.CASSANDRA_CONTACT_POINTS))
        expect(byImage('cassandra:'), `${name}: CASSANDRA_CONTACT_POINTS host ${host}`).toContain(
          host,
        );
      for (const host of [
        ...hostsOf(env.KAFKA_BROKERS),
        ...hostsOf(env.CASSANDRA_CONTACT_POINTS),
      ]) {
        expect(inDefaultProfile(doc.services[host]!), `${host} runs without a profile`).toBe(true);
      }
    }
  });

  it('creates the topics the services use, with their partition count', () => {
    const init = doc.services['kafka-init']!;
    const script = JSON.stringify(init.command);
    for (const [, service] of clickstream) {
      const env = environmentOf(service);
      expect(script).toContain(env.KAFKA_TOPIC);
      expect(script).toContain(env.KAFKA_DLQ_TOPIC);
      expect(script).toContain(`--partitions \\"${env.KAFKA_TOPIC_PARTITIONS}\\"`);
    }
  });

  it('has three Cassandra nodes in the cluster profile, one by default', () => {
    const nodes = services.filter(([, s]) => s.image?.startsWith('cassandra:'));
    expect(nodes.filter(([, s]) => inDefaultProfile(s)).map(([n]) => n)).toEqual(['cassandra']);
    expect(nodes.filter(([, s]) => s.profiles?.includes('cluster')).length).toBe(2);
  });

  it('orders the start with health checks: every depends_on condition can be met', () => {
    const problems: string[] = [];
    for (const [name, service] of services) {
      for (const [dependency, condition] of Object.entries(dependenciesOf(service))) {
        const target = doc.services[dependency];
        if (!target) problems.push(`${name} depends on missing ${dependency}`);
        else if (
          condition === 'service_healthy' &&
          (!target.healthcheck?.test || target.healthcheck.disable)
        )
          problems.push(`${name} waits for ${dependency} to be healthy, which has no healthcheck`);
        else if (condition === 'service_completed_successfully' && target.restart !== 'no')
          problems.push(`${name} waits for ${dependency} to complete, which restarts`);
        else if (inDefaultProfile(service) && !inDefaultProfile(target))
          problems.push(`${name} depends on ${dependency}, which runs only in a profile`);
      }
    }
    expect(problems).toEqual([]);
    for (const [name] of clickstream.filter(([n]) => n !== 'migrate')) {
      expect(dependenciesOf(doc.services[name]!), name).toMatchObject({
        migrate: 'service_completed_successfully',
        'kafka-init': 'service_completed_successfully',
      });
    }
  });

  it('runs Prometheus and Grafana, and Prometheus scrapes every Clickstream process, broker and Cassandra node', () => {
    for (const image of ['prom/prometheus', 'grafana/grafana'])
      expect(byImage(image), image).toHaveLength(1);
    const prometheus = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    const targets: string[] = prometheus.scrape_configs.flatMap((job: any) => [
      ...(job.static_configs ?? []).flatMap((c: any) => c.targets),
      ...(job.dns_sd_configs ?? []).flatMap((c: any) =>
        c.names.map((name: string) => `${name}:${c.port}`),
      ),
    ]);
    for (const target of targets.filter((t) => !t.startsWith('localhost')))
      expect(Object.keys(doc.services), `scrape target ${target}`).toContain(
        target.replace(/:\d+$/, ''),
      );
    const nodes = [
      ...byImage('apache/kafka').filter((n) => n !== 'kafka-init'),
      ...byImage('cassandra:'),
    ];
    expect(targets).toEqual(
      expect.arrayContaining([
        'ingest:8080',
        'processor:8080',
        'query:8080',
        ...nodes.map((n) => `${n}:9404`),
      ]),
    );
  });

  it('runs the Prometheus JMX exporter in every broker and Cassandra node, with the rules in deploy/jmx and the version services/ runs', () => {
    const agent = doc.services['jmx-agent']!;
    expect(agent.restart).toBe('no');
    expect(JSON.stringify(agent.command)).toContain(
      `jmx_prometheus_javaagent/${JMX_EXPORTER_VERSION}/jmx_prometheus_javaagent-${JMX_EXPORTER_VERSION}.jar`,
    );
    const javaagent = (rules: string) =>
      `-javaagent:/opt/jmx/jmx_prometheus_javaagent.jar=9404:/etc/jmx/${rules}`;
    const mounts = (s: ComposeService) =>
      (s.volumes ?? []).map((v) => (typeof v === 'string' ? v : ''));
    for (const name of byImage('apache/kafka').filter((n) => n !== 'kafka-init')) {
      expect(environmentOf(doc.services[name]!).KAFKA_OPTS, name).toBe(javaagent('kafka.yml'));
      expect(mounts(doc.services[name]!), name).toEqual(
        expect.arrayContaining(['jmx-agent:/opt/jmx:ro', './deploy/jmx:/etc/jmx:ro']),
      );
    }
    for (const name of byImage('cassandra:')) {
      expect(environmentOf(doc.services[name]!).JVM_EXTRA_OPTS, name).toBe(
        javaagent('cassandra.yml'),
      );
      expect(mounts(doc.services[name]!), name).toEqual(
        expect.arrayContaining(['jmx-agent:/opt/jmx:ro', './deploy/jmx:/etc/jmx:ro']),
      );
    }
    // The checksum compose verifies is the jar's that Maven fetched for services/, when it is here.
    const jar = join(
      ROOT,
      '.services/cache',
      `jmx-exporter-${JMX_EXPORTER_VERSION}`,
      'libs',
      `jmx_prometheus_javaagent-${JMX_EXPORTER_VERSION}.jar`,
    );
    if (existsSync(jar))
      expect(JSON.stringify(agent.command)).toContain(
        createHash('sha256').update(readFileSync(jar)).digest('hex'),
      );
  });

  it('pins every image to an exact version, and runs the Kafka and Cassandra the tests run', () => {
    const floating = services
      .filter(
        ([, s]) =>
          s.image !== 'clickstream:local' && !/:v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/.test(s.image ?? ''),
      )
      .map(([n, s]) => `${n}: ${s.image}`);
    expect(floating).toEqual([]);
    for (const name of byImage('apache/kafka'))
      expect(doc.services[name]!.image, name).toBe(`apache/kafka:${KAFKA_VERSION}`);
    for (const name of byImage('cassandra:'))
      expect(doc.services[name]!.image, name).toBe(`cassandra:${CASSANDRA_VERSION}`);
  });

  it("keeps Kafka's log on its volume, so a restart keeps the topic the processor's checkpoints refer to", () => {
    const kafka = doc.services.kafka!;
    const logDirs = environmentOf(kafka).KAFKA_LOG_DIRS;
    expect(logDirs).toBeTruthy();
    const mounts = (kafka.volumes ?? []).map((v) =>
      typeof v === 'string' ? v.split(':') : [v.source, ''],
    );
    expect(
      mounts.some(
        ([source, target]) =>
          Object.keys(doc.volumes ?? {}).includes(source ?? '') &&
          logDirs!.split(',').every((dir) => dir.startsWith(target ?? '')),
      ),
    ).toBe(true);
  });

  it("believes the gateway's X-Forwarded-For on every role, and the gateway sets it to the connecting address", () => {
    for (const [name, service] of clickstream)
      expect(environmentOf(service).TRUSTED_PROXIES, name).toMatch(/172\.16\.0\.0\/12/);
    const gateway = readFileSync(join(ROOT, 'deploy/compose/gateway.conf'), 'utf8');
    expect(gateway).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
    expect(gateway).toMatch(/proxy_set_header Host \$http_host;/);
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? '');
        if (source.startsWith('.'))
          expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
        else
          expect(Object.keys(doc.volumes ?? {}), `${name}: named volume ${source}`).toContain(
            source,
          );
      }
    }
  });
});
