import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASSANDRA_PORT, JPMS_OPTIONS, jmxPort } from './cassandra-config.js';
import { CASSANDRA_ARTIFACTS } from './cassandra-node.js';
import { readClusterState } from './cluster-state.js';
import type { ServicesContext } from './context.js';
import { nodeRef, serviceDir } from './layout.js';
import { libsDir } from './maven-fetch.js';
import { ServicesError } from './types.js';

const TOOLS_LOGBACK = `<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%-5level %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
</configuration>
`;

/**
 * Runs Cassandra's nodetool (org.apache.cassandra.tools.NodeTool) against node `index` over its
 * local JMX port, e.g. `status`, `ring`, `flush`, `drain`. Resolves with nodetool's exit code.
 */
export async function runNodetool(
  ctx: ServicesContext,
  index: number,
  args: readonly string[],
): Promise<number> {
  if (readClusterState(ctx.layout, 'cassandra') === undefined) {
    throw new ServicesError('cassandra is not set up yet; run `services.ts up`');
  }
  const node = nodeRef(ctx.layout, 'cassandra', index, CASSANDRA_PORT);
  const home = join(serviceDir(ctx.layout, 'cassandra'), 'tools');
  mkdirSync(home, { recursive: true });
  const logback = join(home, 'logback.xml');
  writeFileSync(logback, TOOLS_LOGBACK);
  const javaArgs = [
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    ...JPMS_OPTIONS,
    `-Dlogback.configurationFile=${logback}`,
    `-Dcassandra.logdir=${home}`,
    // nodetool keeps its command history under ~/.cassandra; keep it inside .services instead.
    `-Duser.home=${home}`,
    '-cp',
    `${libsDir(ctx.layout.cache, CASSANDRA_ARTIFACTS)}/*`,
    'org.apache.cassandra.tools.NodeTool',
    '-h',
    '127.0.0.1',
    '-p',
    String(jmxPort(node)),
    ...args,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(ctx.javaBin, javaArgs, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise(code ?? 1));
  });
}
