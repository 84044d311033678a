import { address } from './layout.js';
import { residentMiB } from './process-control.js';
import type { NodeRef, NodeStatus, ServiceName } from './types.js';

/** The service name as a fixed-width first column: `kafka     ready  127.0.0.1:9092`. */
export function columnLabel(service: ServiceName): string {
  return service.padEnd(10);
}

export function readyLine(service: ServiceName, nodes: readonly NodeRef[], detail: string): string {
  return `${columnLabel(service)}ready  ${nodes.map(address).join(',')}  (${detail})`;
}

export function nodeState(status: NodeStatus): 'up' | 'starting' | 'down' {
  if (status.listening) return 'up';
  return status.alive ? 'starting' : 'down';
}

export function statusLine(status: NodeStatus): string {
  const { node, pid } = status;
  const state = nodeState(status);
  let line = `${columnLabel(node.service)}node ${node.index}  ${state.padEnd(8)} ${address(node).padEnd(15)}`;
  if (status.alive && pid !== undefined) {
    const rss = residentMiB(pid);
    line += `  pid ${pid}${rss === undefined ? '' : `  rss ${rss} MiB`}`;
  }
  return line.trimEnd();
}

export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;
}
