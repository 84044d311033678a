import { existsSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';
import type { ServicesContext } from './context.js';
import { address, pidFile } from './layout.js';
import { columnLabel } from './report.js';
import {
  isOurProcess,
  readPid,
  removePid,
  spawnDetached,
  stopProcess,
  writePid,
} from './process-control.js';
import type { StopOutcome } from './process-control.js';
import type { ClusterState, NodeRef, NodeStatus, ServiceDriver } from './types.js';
import { ServicesError } from './types.js';
import { pollUntil, portAnswers } from './wait.js';

/** Every JVM we start names its node directory on its command line (its config paths). */
function marker(node: NodeRef): string {
  return `${node.dir}${sep}`;
}

export function nodeLabel(node: NodeRef): string {
  return `${node.service} node ${node.index}`;
}

/** The node's pid file names a live process that belongs to this node. */
export function isNodeAlive(node: NodeRef): boolean {
  const pid = readPid(pidFile(node));
  return pid !== undefined && isOurProcess(pid, marker(node));
}

export async function nodeStatus(node: NodeRef): Promise<NodeStatus> {
  const pid = readPid(pidFile(node));
  const alive = pid !== undefined && isOurProcess(pid, marker(node));
  const listening = alive && (await portAnswers(node.host, node.port));
  return { node, pid, alive, listening };
}

export async function launchNode(
  ctx: ServicesContext,
  driver: ServiceDriver,
  node: NodeRef,
  cluster: ClusterState,
): Promise<number> {
  const spec = await driver.prepareNode(node, cluster);
  const pid = spawnDetached(ctx.javaBin, spec.javaArgs, node.dir, spec.stdoutFile);
  writePid(pidFile(node), pid);
  ctx.log(
    `${columnLabel(driver.name)}starting node ${node.index} on ${address(node)} (pid ${pid})`,
  );
  return pid;
}

/** A node that is not running must find its port free, or the port check would lie. */
export async function assertPortFree(node: NodeRef): Promise<void> {
  if (await portAnswers(node.host, node.port)) {
    throw new ServicesError(
      `${address(node)} is already taken by a process that is not ${nodeLabel(node)}`,
    );
  }
}

export interface LaunchedNode {
  readonly node: NodeRef;
  readonly pid: number;
}

/**
 * Waits until every node's client port answers, failing at once if any process exits
 * meanwhile. One loop for all nodes, so a failure leaves no other wait running.
 */
export async function waitForPorts(
  launched: readonly LaunchedNode[],
  deadline: number,
): Promise<void> {
  const what = `${launched.map(({ node }) => address(node)).join(', ')} to listen`;
  await pollUntil({ what, deadline }, async () => {
    for (const { node, pid } of launched) {
      if (!isOurProcess(pid, marker(node))) {
        throw new ServicesError(`${nodeLabel(node)} exited during startup`);
      }
    }
    const answers = await Promise.all(
      launched.map(({ node }) => portAnswers(node.host, node.port)),
    );
    return answers.every(Boolean);
  });
}

export async function haltNode(node: NodeRef, graceMs: number): Promise<StopOutcome> {
  const file = pidFile(node);
  const pid = readPid(file);
  const outcome = pid === undefined ? 'not-running' : await stopProcess(pid, marker(node), graceMs);
  removePid(file);
  return outcome;
}

/** ERROR lines say why a JVM died; the last lines are often just its shutdown. */
function describeLog(file: string, lines: number): string | undefined {
  if (!existsSync(file)) return undefined;
  const all = readFileSync(file, 'utf8').trimEnd().split('\n');
  if (all.length === 1 && all[0] === '') return undefined;
  const errors = all
    .filter((line) => /\b(ERROR|FATAL)\b|^Exception|^Caused by/.test(line))
    .slice(-10);
  const parts = [`--- ${file} (last ${lines} lines) ---`, ...all.slice(-lines)];
  if (errors.length > 0) parts.push(`--- ${file} (last errors) ---`, ...errors);
  return parts.join('\n');
}

/** The last lines (and last errors) of each of the node's logs, for a failure report. */
export function logTails(driver: ServiceDriver, node: NodeRef, lines = 30): string {
  const parts = driver.logFiles(node).flatMap((file) => describeLog(file, lines) ?? []);
  return parts.length > 0 ? parts.join('\n') : `(no logs yet under ${node.dir})`;
}
