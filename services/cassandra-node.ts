import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderArgFile } from './argfile.js';
import {
  CASSANDRA_PORT,
  cassandraJvmArgs,
  renderCassandraYaml,
  renderLogback,
} from './cassandra-config.js';
import type { ServicesContext } from './context.js';
import { cqlQuery } from './cql-probe.js';
import { assertJava } from './java.js';
import { JMX_EXPORTER_ARTIFACTS, jmxAgentArg } from './jmx-exporter.js';
import type { ArtifactSet } from './maven-fetch.js';
import { fetchArtifacts, libsDir } from './maven-fetch.js';
import type { ClusterState, LaunchSpec, NodeRef, ProbeOptions, ServiceDriver } from './types.js';
import { ServicesError } from './types.js';
import { CASSANDRA_VERSION } from './versions.js';

export const CASSANDRA_MAIN_CLASS = 'org.apache.cassandra.service.CassandraDaemon';

export const CASSANDRA_ARTIFACTS: ArtifactSet = {
  name: `cassandra-${CASSANDRA_VERSION}`,
  dependencies: [
    { groupId: 'org.apache.cassandra', artifactId: 'cassandra-all', version: CASSANDRA_VERSION },
  ],
};

/** Cassandra measures object sizes with the jamm agent; bin/cassandra loads it the same way. */
function findJammJar(libs: string): string {
  const jar = readdirSync(libs).find((name) => /^jamm-.*\.jar$/.test(name));
  if (jar === undefined)
    throw new ServicesError(`no jamm agent jar in ${libs}; delete that folder and retry`);
  return join(libs, jar);
}

/** SELECT release_version on every node; with several nodes, each must also see the others. */
async function probeNodes(nodes: readonly NodeRef[], timeoutMs: number): Promise<string> {
  let release = '';
  for (const node of nodes) {
    const rows = await cqlQuery(
      node.host,
      node.port,
      'SELECT release_version FROM system.local',
      timeoutMs,
    );
    release = rows[0]?.[0] ?? '';
    if (nodes.length < 2) continue;
    const peers = await cqlQuery(
      node.host,
      node.port,
      'SELECT peer FROM system.peers_v2',
      timeoutMs,
    );
    if (peers.length < nodes.length - 1) {
      throw new Error(
        `node ${node.index} sees ${peers.length} peer(s), expected ${nodes.length - 1}`,
      );
    }
  }
  return `CQL ok, release ${release}`;
}

export function createCassandraDriver(ctx: ServicesContext): ServiceDriver {
  const libs = libsDir(ctx.layout.cache, CASSANDRA_ARTIFACTS);

  async function install(): Promise<void> {
    await assertJava(
      ctx.javaBin,
      'Cassandra 5.0',
      (major) => major === 11 || major === 17,
      '11 or 17',
    );
    await fetchArtifacts(ctx.layout.cache, CASSANDRA_ARTIFACTS, ctx.log);
    await fetchArtifacts(ctx.layout.cache, JMX_EXPORTER_ARTIFACTS, ctx.log);
  }

  async function prepareNode(node: NodeRef, cluster: ClusterState): Promise<LaunchSpec> {
    const conf = join(node.dir, 'conf');
    const logs = join(node.dir, 'logs');
    for (const dir of [join(conf, 'triggers'), logs, join(node.dir, 'data')])
      mkdirSync(dir, { recursive: true });
    writeFileSync(join(conf, 'cassandra.yaml'), renderCassandraYaml(node, cluster));
    writeFileSync(join(conf, 'logback.xml'), renderLogback(logs));
    const argFile = join(conf, 'jvm.args');
    const jvmArgs = [
      ...cassandraJvmArgs(node, findJammJar(libs)),
      jmxAgentArg(ctx.layout.cache, node),
    ];
    writeFileSync(argFile, renderArgFile(`JVM options of cassandra node ${node.index}`, jvmArgs));
    return {
      javaArgs: [`@${argFile}`, '-cp', `${libs}/*`, CASSANDRA_MAIN_CLASS],
      stdoutFile: join(logs, 'stdout.log'),
    };
  }

  return {
    name: 'cassandra',
    version: CASSANDRA_VERSION,
    port: CASSANDRA_PORT,
    readyTimeoutMs: 180_000,
    // SIGTERM runs Cassandra's drain (flush memtables, stop gossip): seconds, not minutes.
    stopGraceMs: 60_000,
    startOrder: 'one-by-one',
    // Cassandra identifies the ring by cluster_name; the id only labels this data in cluster.json.
    newClusterId: () => randomUUID(),
    install,
    prepareNode,
    // CQL queries are short; the timeout bounds them, so the abort signal is not needed.
    probe: (nodes: readonly NodeRef[], _cluster: ClusterState, opts: ProbeOptions) =>
      probeNodes(nodes, opts.timeoutMs),
    logFiles: (node) => [
      join(node.dir, 'logs', 'system.log'),
      join(node.dir, 'logs', 'stdout.log'),
    ],
  };
}
