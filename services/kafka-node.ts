import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderArgFile } from './argfile.js';
import type { ServicesContext } from './context.js';
import { assertJava } from './java.js';
import {
  KAFKA_PORT,
  TOOLS_LOG4J,
  brokerJvmArgs,
  renderBrokerLog4j,
  renderServerProperties,
  replicationFor,
} from './kafka-config.js';
import { JMX_EXPORTER_ARTIFACTS, jmxAgentArg } from './jmx-exporter.js';
import { formatStorage, kafkaRoundTrip } from './kafka-probe.js';
import { address, serviceDir } from './layout.js';
import type { ArtifactSet } from './maven-fetch.js';
import { fetchArtifacts, libsDir } from './maven-fetch.js';
import type { ClusterState, LaunchSpec, NodeRef, ProbeOptions, ServiceDriver } from './types.js';
import { KAFKA_SCALA, KAFKA_VERSION, LOG4J_SLF4J_VERSION } from './versions.js';

export const KAFKA_MAIN_CLASS = 'kafka.Kafka';

export const KAFKA_ARTIFACTS: ArtifactSet = {
  name: `kafka-${KAFKA_VERSION}`,
  dependencies: [
    { groupId: 'org.apache.kafka', artifactId: `kafka_${KAFKA_SCALA}`, version: KAFKA_VERSION },
    {
      // The console/admin tools used by the readiness probe. Kafka Connect (Jetty, Jersey...)
      // comes along only for the connect-plugin-path tool, which we never run.
      groupId: 'org.apache.kafka',
      artifactId: 'kafka-tools',
      version: KAFKA_VERSION,
      exclusions: [{ groupId: 'org.apache.kafka', artifactId: 'connect-runtime' }],
    },
    {
      groupId: 'org.apache.logging.log4j',
      artifactId: 'log4j-slf4j-impl',
      version: LOG4J_SLF4J_VERSION,
    },
  ],
};

/** A KRaft cluster id: 16 random bytes, URL-safe base64 (Kafka's Uuid text form). */
export function newKafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka avoids ids starting with '-' too: command-line parsers read them as options.
    if (!id.startsWith('-')) return id;
  }
}

export function createKafkaDriver(ctx: ServicesContext): ServiceDriver {
  const libs = libsDir(ctx.layout.cache, KAFKA_ARTIFACTS);
  const toolsLog4j = join(serviceDir(ctx.layout, 'kafka'), 'tools-log4j2.properties');

  function writeToolsLog4j(): void {
    mkdirSync(serviceDir(ctx.layout, 'kafka'), { recursive: true });
    writeFileSync(toolsLog4j, TOOLS_LOG4J);
  }

  async function install(): Promise<void> {
    await assertJava(ctx.javaBin, 'Kafka 4.x', (major) => major >= 17, '17 or newer');
    await fetchArtifacts(ctx.layout.cache, KAFKA_ARTIFACTS, ctx.log);
    await fetchArtifacts(ctx.layout.cache, JMX_EXPORTER_ARTIFACTS, ctx.log);
    writeToolsLog4j();
  }

  async function prepareNode(node: NodeRef, cluster: ClusterState): Promise<LaunchSpec> {
    const conf = join(node.dir, 'conf');
    const logs = join(node.dir, 'logs');
    for (const dir of [conf, logs, join(node.dir, 'data')]) mkdirSync(dir, { recursive: true });
    const properties = join(conf, 'server.properties');
    writeFileSync(properties, renderServerProperties(node, cluster));
    writeFileSync(join(conf, 'log4j2.properties'), renderBrokerLog4j(logs));
    const argFile = join(conf, 'jvm.args');
    writeFileSync(
      argFile,
      renderArgFile(`JVM options of kafka node ${node.index}`, [
        ...brokerJvmArgs(conf),
        jmxAgentArg(ctx.layout.cache, node),
      ]),
    );
    if (!existsSync(join(node.dir, 'data', 'meta.properties'))) {
      await formatStorage(ctx.javaBin, libs, toolsLog4j, cluster.clusterId, properties);
    }
    return {
      javaArgs: [`@${argFile}`, '-cp', `${libs}/*`, KAFKA_MAIN_CLASS, properties],
      stdoutFile: join(logs, 'stdout.log'),
    };
  }

  function probe(
    nodes: readonly NodeRef[],
    cluster: ClusterState,
    opts: ProbeOptions,
  ): Promise<string> {
    const { rf, minIsr } = replicationFor(cluster.nodes);
    writeToolsLog4j();
    return kafkaRoundTrip({
      javaBin: ctx.javaBin,
      libs,
      toolsLog4j,
      bootstrap: nodes.map(address),
      replicationFactor: rf,
      minInsyncReplicas: minIsr,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
  }

  return {
    name: 'kafka',
    version: KAFKA_VERSION,
    port: KAFKA_PORT,
    readyTimeoutMs: 90_000,
    // A controlled shutdown needs a controller quorum; when all nodes stop together the last
    // ones lose it and would wait minutes. SIGKILL then is safe: the OS still holds the page
    // cache, and the broker recovers its log on the next start.
    stopGraceMs: 15_000,
    startOrder: 'together',
    newClusterId: newKafkaClusterId,
    install,
    prepareNode,
    probe,
    logFiles: (node) => [
      join(node.dir, 'logs', 'server.log'),
      join(node.dir, 'logs', 'stdout.log'),
    ],
  };
}
