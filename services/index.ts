/**
 * Programmatic access for test setup (e.g. a Vitest globalSetup):
 *
 *   const { kafkaBrokers, cassandraContactPoints } = await ensureServices({ kafka: true, cassandra: true });
 *
 * Same behaviour as `services.ts up`: starts what is not running, waits until it really serves,
 * leaves it running afterwards (stop it with `services.ts down`).
 */
import { readClusterState } from './cluster-state.js';
import { CASSANDRA_DATACENTER } from './cassandra-config.js';
import type { ServicesContext } from './context.js';
import { createContext } from './context.js';
import { LOCK_WAIT_MS, createDriver, installAll, lockFile } from './drivers.js';
import { metricsAddress } from './jmx-exporter.js';
import { address, nodeRefs } from './layout.js';
import { withLock } from './lock.js';
import { nodeStatus } from './node-lifecycle.js';
import { startNode, stopNode, upService } from './orchestrator.js';
import type { LogLine, NodeRef, ServiceName } from './types.js';
import { SERVICE_NAMES } from './types.js';

export type { LogLine, ServiceName } from './types.js';
export { ServicesError } from './types.js';

/** Which services: when neither flag is given, both; otherwise only those set to true. */
export interface ServiceSelection {
  readonly kafka?: boolean;
  readonly cassandra?: boolean;
}

export interface EnsureOptions extends ServiceSelection {
  /** Progress lines (default: stderr). Pass `() => {}` for silence. */
  readonly log?: LogLine;
}

export interface ServiceEndpoints {
  /** `host:port` of every broker, for the Kafka client's bootstrap list. Empty if not selected. */
  readonly kafkaBrokers: string[];
  /** `host:port` of every Cassandra node, for the driver's contactPoints. Empty if not selected. */
  readonly cassandraContactPoints: string[];
  /** The data center name the Cassandra driver needs as `localDataCenter`. */
  readonly cassandraLocalDataCenter: string;
  /** `host:port` of each broker's and node's Prometheus JMX exporter (/metrics). */
  readonly kafkaMetrics: string[];
  readonly cassandraMetrics: string[];
}

function selected(opts: ServiceSelection): ServiceName[] {
  if (opts.kafka === undefined && opts.cassandra === undefined) return [...SERVICE_NAMES];
  return SERVICE_NAMES.filter((name) => opts[name] === true);
}

const toStderr: LogLine = (line) => process.stderr.write(`${line}\n`);

async function endpointsIfUp(
  ctx: ServicesContext,
  names: readonly ServiceName[],
): Promise<ServiceEndpoints | undefined> {
  const nodesOf: Record<ServiceName, NodeRef[]> = { kafka: [], cassandra: [] };
  for (const name of names) {
    const cluster = readClusterState(ctx.layout, name);
    if (cluster === undefined) return undefined;
    const nodes = nodeRefs(ctx.layout, name, cluster.nodes, createDriver(ctx, name).port);
    const statuses = await Promise.all(nodes.map(nodeStatus));
    if (!statuses.every((s) => s.listening)) return undefined;
    nodesOf[name] = nodes;
  }
  return endpointsOf([...nodesOf.kafka, ...nodesOf.cassandra]);
}

function endpointsOf(nodes: readonly NodeRef[]): ServiceEndpoints {
  const of = (name: ServiceName) => nodes.filter((n) => n.service === name);
  return {
    kafkaBrokers: of('kafka').map(address),
    cassandraContactPoints: of('cassandra').map(address),
    cassandraLocalDataCenter: CASSANDRA_DATACENTER,
    kafkaMetrics: of('kafka').map(metricsAddress),
    cassandraMetrics: of('cassandra').map(metricsAddress),
  };
}

/** Brings the selected services up if needed and returns where they listen. */
export async function ensureServices(opts: EnsureOptions = {}): Promise<ServiceEndpoints> {
  const ctx = createContext(opts.log ?? toStderr);
  const names = selected(opts);
  const running = await endpointsIfUp(ctx, names);
  if (running !== undefined) return running;
  return withLock(lockFile(ctx.layout), LOCK_WAIT_MS, async () => {
    const drivers = names.map((name) => createDriver(ctx, name));
    await installAll(drivers);
    const nodes = await Promise.all(drivers.map((driver) => upService(ctx, driver)));
    return endpointsOf(nodes.flat());
  });
}

/** True when every node of the selected services runs and accepts connections (no round trip). */
export async function isUp(opts: ServiceSelection = {}): Promise<boolean> {
  const ctx = createContext(() => undefined);
  return (await endpointsIfUp(ctx, selected(opts))) !== undefined;
}

/** Stops one node, for fault tests (`services.ts stop <service> <n>`). */
export async function stopServiceNode(
  service: ServiceName,
  index: number,
  log: LogLine = toStderr,
): Promise<void> {
  const ctx = createContext(log);
  await withLock(lockFile(ctx.layout), LOCK_WAIT_MS, () =>
    stopNode(ctx, createDriver(ctx, service), index),
  );
}

/** Starts one node again and waits until it serves (`services.ts start <service> <n>`). */
export async function startServiceNode(
  service: ServiceName,
  index: number,
  log: LogLine = toStderr,
): Promise<void> {
  const ctx = createContext(log);
  await withLock(lockFile(ctx.layout), LOCK_WAIT_MS, () =>
    startNode(ctx, createDriver(ctx, service), index),
  );
}
