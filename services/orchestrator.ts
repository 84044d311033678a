import { rmSync } from 'node:fs';
import { readClusterState, resolveClusterState } from './cluster-state.js';
import type { ServicesContext } from './context.js';
import { nodeRef, nodeRefs, serviceDir } from './layout.js';
import {
  assertPortFree,
  haltNode,
  isNodeAlive,
  launchNode,
  logTails,
  nodeLabel,
  nodeStatus,
  waitForPorts,
} from './node-lifecycle.js';
import { columnLabel, readyLine, seconds, statusLine } from './report.js';
import type { ClusterState, NodeRef, NodeStatus, ServiceDriver } from './types.js';
import { ServicesError } from './types.js';
import { pollUntil, sleep } from './wait.js';

const PROBE_ATTEMPT_MS = 30_000;

function nodesOf(ctx: ServicesContext, driver: ServiceDriver, cluster: ClusterState): NodeRef[] {
  return nodeRefs(ctx.layout, driver.name, cluster.nodes, driver.port);
}

/** Rejects as soon as a node's process is gone; settles quietly once `signal` aborts. */
async function failWhenANodeDies(nodes: readonly NodeRef[], signal: AbortSignal): Promise<string> {
  while (!signal.aborted) {
    const dead = nodes.find((node) => !isNodeAlive(node));
    if (dead !== undefined) throw new ServicesError(`${nodeLabel(dead)} is not running`);
    await sleep(500);
  }
  return '';
}

/** Retries the driver's round trip until it passes; stops early if a node's process is gone. */
async function probeUntilReady(
  driver: ServiceDriver,
  nodes: readonly NodeRef[],
  cluster: ClusterState,
  deadline: number,
): Promise<string> {
  let detail = '';
  await pollUntil(
    { what: `${driver.name} to serve requests`, deadline, intervalMs: 1000 },
    async () => {
      const timeoutMs = Math.max(5_000, Math.min(PROBE_ATTEMPT_MS, deadline - Date.now()));
      const stop = new AbortController();
      try {
        const probe = driver.probe(nodes, cluster, { timeoutMs, signal: stop.signal });
        // If a node dies first, the aborted probe rejects later with nobody listening.
        probe.catch(() => undefined);
        detail = await Promise.race([probe, failWhenANodeDies(nodes, stop.signal)]);
      } finally {
        stop.abort();
      }
      return true;
    },
  );
  return detail;
}

async function pidOf(
  ctx: ServicesContext,
  driver: ServiceDriver,
  status: NodeStatus,
  cluster: ClusterState,
): Promise<number> {
  if (status.alive && status.pid !== undefined) return status.pid;
  return launchNode(ctx, driver, status.node, cluster);
}

/** Kafka: all voters must run before the quorum elects a leader and brokers open their ports. */
async function startTogether(
  ctx: ServicesContext,
  driver: ServiceDriver,
  statuses: readonly NodeStatus[],
  cluster: ClusterState,
): Promise<string> {
  const deadline = Date.now() + driver.readyTimeoutMs;
  const launched = await Promise.all(
    statuses.map(async (status) => ({
      node: status.node,
      pid: await pidOf(ctx, driver, status, cluster),
    })),
  );
  await waitForPorts(launched, deadline);
  return probeUntilReady(
    driver,
    statuses.map((s) => s.node),
    cluster,
    deadline,
  );
}

/** Cassandra: one node at a time, so each joining node sees the ring so far (seed first). */
async function startOneByOne(
  ctx: ServicesContext,
  driver: ServiceDriver,
  statuses: readonly NodeStatus[],
  cluster: ClusterState,
): Promise<string> {
  let detail = '';
  for (const status of statuses) {
    const deadline = Date.now() + driver.readyTimeoutMs;
    const pid = await pidOf(ctx, driver, status, cluster);
    await waitForPorts([{ node: status.node, pid }], deadline);
    detail = await probeUntilReady(driver, [status.node], cluster, deadline);
  }
  if (statuses.length < 2) return detail;
  return probeUntilReady(
    driver,
    statuses.map((s) => s.node),
    cluster,
    Date.now() + driver.readyTimeoutMs,
  );
}

function reportFailure(
  ctx: ServicesContext,
  driver: ServiceDriver,
  statuses: readonly NodeStatus[],
): void {
  const silent = statuses.filter((s) => !s.listening);
  for (const status of silent.length > 0 ? silent : statuses)
    ctx.log(logTails(driver, status.node));
  ctx.log(
    `${columnLabel(driver.name)}failed; see the logs above (\`services.ts down\` stops whatever still runs)`,
  );
}

async function startNodes(
  ctx: ServicesContext,
  driver: ServiceDriver,
  nodes: readonly NodeRef[],
  cluster: ClusterState,
): Promise<void> {
  const started = Date.now();
  const statuses = await Promise.all(nodes.map(nodeStatus));
  // A port that answers is not yet a node that serves (a broker still recovering its logs, a
  // Cassandra node not yet in the ring), so a running service is probed before it is called ready.
  const running = statuses.every((s) => s.listening);
  if (!running) {
    for (const status of statuses) if (!status.alive) await assertPortFree(status.node);
    await driver.install();
  }
  const start = driver.startOrder === 'together' ? startTogether : startOneByOne;
  try {
    const detail = running
      ? `already running, ${await probeUntilReady(driver, nodes, cluster, started + driver.readyTimeoutMs)}`
      : await start(ctx, driver, statuses, cluster);
    ctx.log(readyLine(driver.name, nodes, `${detail}, ${seconds(started)}`));
  } catch (error) {
    reportFailure(ctx, driver, await Promise.all(nodes.map(nodeStatus)));
    throw error;
  }
}

/** Starts every node of the service that is not running and waits until the cluster serves. */
export async function upService(
  ctx: ServicesContext,
  driver: ServiceDriver,
  requestedNodes?: number,
): Promise<NodeRef[]> {
  const cluster = resolveClusterState(ctx.layout, {
    service: driver.name,
    version: driver.version,
    nodes: requestedNodes,
    newClusterId: () => driver.newClusterId(),
  });
  const nodes = nodesOf(ctx, driver, cluster);
  await startNodes(ctx, driver, nodes, cluster);
  return nodes;
}

function requireCluster(ctx: ServicesContext, driver: ServiceDriver): ClusterState {
  const cluster = readClusterState(ctx.layout, driver.name);
  if (cluster === undefined)
    throw new ServicesError(`${driver.name} is not set up yet; run \`services.ts up\``);
  return cluster;
}

/** Starts one node (after `stopNode`), then checks that the running nodes serve together. */
export async function startNode(
  ctx: ServicesContext,
  driver: ServiceDriver,
  index: number,
): Promise<void> {
  const cluster = requireCluster(ctx, driver);
  if (index > cluster.nodes)
    throw new ServicesError(`${driver.name} has ${cluster.nodes} node(s), not ${index}`);
  const node = nodeRef(ctx.layout, driver.name, index, driver.port);
  await startNodes(ctx, driver, [node], cluster);
}

export async function stopNode(
  ctx: ServicesContext,
  driver: ServiceDriver,
  index: number,
): Promise<void> {
  const node = nodeRef(ctx.layout, driver.name, index, driver.port);
  const outcome = await haltNode(node, driver.stopGraceMs);
  ctx.log(`${columnLabel(driver.name)}node ${index}  ${outcome}`);
}

export async function downService(ctx: ServicesContext, driver: ServiceDriver): Promise<void> {
  const cluster = readClusterState(ctx.layout, driver.name);
  if (cluster === undefined) {
    ctx.log(`${columnLabel(driver.name)}not set up`);
    return;
  }
  const nodes = nodesOf(ctx, driver, cluster);
  const outcomes = await Promise.all(nodes.map((node) => haltNode(node, driver.stopGraceMs)));
  nodes.forEach((node, i) =>
    ctx.log(`${columnLabel(driver.name)}node ${node.index}  ${outcomes[i] ?? 'unknown'}`),
  );
}

/** Stops the nodes and deletes data, logs and cluster state; the download cache stays. */
export async function wipeService(ctx: ServicesContext, driver: ServiceDriver): Promise<void> {
  await downService(ctx, driver);
  rmSync(serviceDir(ctx.layout, driver.name), { recursive: true, force: true });
  ctx.log(`${columnLabel(driver.name)}wiped ${serviceDir(ctx.layout, driver.name)}`);
}

async function printStatuses(
  ctx: ServicesContext,
  driver: ServiceDriver,
): Promise<{ cluster: ClusterState; statuses: NodeStatus[] } | undefined> {
  const cluster = readClusterState(ctx.layout, driver.name);
  if (cluster === undefined) {
    ctx.log(`${columnLabel(driver.name)}not set up`);
    return undefined;
  }
  const statuses = await Promise.all(nodesOf(ctx, driver, cluster).map(nodeStatus));
  statuses.forEach((status) => ctx.log(statusLine(status)));
  return { cluster, statuses };
}

/** Prints one line per node; true when every node's process runs and its port answers. */
export async function statusService(ctx: ServicesContext, driver: ServiceDriver): Promise<boolean> {
  const found = await printStatuses(ctx, driver);
  return found !== undefined && found.statuses.every((s) => s.listening);
}

/**
 * Status, then one real round trip (Kafka produce/consume, Cassandra CQL query) through the
 * nodes that are up, so it also shows whether the cluster still serves with a node stopped.
 * True only when every node is up and the round trip passes.
 */
export async function checkService(ctx: ServicesContext, driver: ServiceDriver): Promise<boolean> {
  const found = await printStatuses(ctx, driver);
  if (found === undefined) return false;
  const up = found.statuses.filter((s) => s.listening).map((s) => s.node);
  if (up.length === 0) return false;
  const started = Date.now();
  try {
    const detail = await driver.probe(up, found.cluster, { timeoutMs: 60_000 });
    ctx.log(readyLine(driver.name, up, `${detail}, ${seconds(started)}`));
    return up.length === found.statuses.length;
  } catch (error) {
    ctx.log(`${columnLabel(driver.name)}FAILED  ${(error as Error).message}`);
    return false;
  }
}
