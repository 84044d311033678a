import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ArtifactSet } from './maven-fetch.js';
import { libsDir } from './maven-fetch.js';
import type { NodeRef, ServiceName } from './types.js';
import { ServicesError } from './types.js';
import { JMX_EXPORTER_VERSION } from './versions.js';

/**
 * Every broker and Cassandra node runs the Prometheus JMX exporter as a Java agent, with the same
 * rules as docker compose and the Helm chart (deploy/jmx/*.yml): node i serves /metrics on
 * 127.0.0.i, Kafka on :9404 and Cassandra on :9405 (both services share the node's address).
 */
export const JMX_EXPORTER_ARTIFACTS: ArtifactSet = {
  name: `jmx-exporter-${JMX_EXPORTER_VERSION}`,
  dependencies: [
    {
      groupId: 'io.prometheus.jmx',
      artifactId: 'jmx_prometheus_javaagent',
      version: JMX_EXPORTER_VERSION,
    },
  ],
};

export const METRICS_PORTS: Readonly<Record<ServiceName, number>> = {
  kafka: 9404,
  cassandra: 9405,
};

export function metricsAddress(node: NodeRef): string {
  return `${node.host}:${METRICS_PORTS[node.service]}`;
}

export function jmxRulesFile(service: ServiceName): string {
  return fileURLToPath(new URL(`../deploy/jmx/${service}.yml`, import.meta.url));
}

/** `-javaagent:<jar>=<host>:<port>:<rules>`: the agent listens on the node's own address only. */
export function jmxAgentArg(cache: string, node: NodeRef): string {
  const libs = libsDir(cache, JMX_EXPORTER_ARTIFACTS);
  const jar = readdirSync(libs).find((name) => name.startsWith('jmx_prometheus_javaagent-'));
  if (jar === undefined)
    throw new ServicesError(`jmx_prometheus_javaagent is missing from ${libs}; run up again`);
  return `-javaagent:${libs}/${jar}=${metricsAddress(node)}:${jmxRulesFile(node.service)}`;
}
