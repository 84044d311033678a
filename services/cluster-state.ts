import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Layout } from './layout.js';
import { MAX_NODES, serviceDir } from './layout.js';
import type { ClusterState, ServiceName } from './types.js';
import { ServicesError } from './types.js';

function stateFile(layout: Layout, service: ServiceName): string {
  return join(serviceDir(layout, service), 'cluster.json');
}

export function readClusterState(layout: Layout, service: ServiceName): ClusterState | undefined {
  const file = stateFile(layout, service);
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterState>;
  if (typeof parsed.nodes !== 'number' || typeof parsed.clusterId !== 'string') {
    throw new ServicesError(`${file} is malformed; run \`wipe\` to start over`);
  }
  return {
    nodes: parsed.nodes,
    clusterId: parsed.clusterId,
    version: parsed.version ?? 'unknown',
    createdAt: parsed.createdAt ?? 'unknown',
  };
}

export interface ClusterRequest {
  readonly service: ServiceName;
  readonly version: string;
  readonly nodes: number | undefined;
  readonly newClusterId: () => string;
}

/**
 * The node count is fixed when a cluster's data is created: a KRaft quorum's voters and a
 * Cassandra ring's tokens are baked into the data. Asking for another count needs a wipe.
 */
export function resolveClusterState(layout: Layout, request: ClusterRequest): ClusterState {
  const existing = readClusterState(layout, request.service);
  if (existing !== undefined) {
    if (request.nodes !== undefined && request.nodes !== existing.nodes) {
      throw new ServicesError(
        `${request.service} data was created for ${existing.nodes} node(s), not ${request.nodes}; ` +
          `run \`services.ts wipe --only ${request.service}\` first`,
      );
    }
    return existing;
  }
  const nodes = request.nodes ?? 1;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new ServicesError(`--${request.service}-nodes must be 1..${MAX_NODES}`);
  }
  const state: ClusterState = {
    nodes,
    clusterId: request.newClusterId(),
    version: request.version,
    createdAt: new Date().toISOString(),
  };
  mkdirSync(serviceDir(layout, request.service), { recursive: true });
  writeFileSync(stateFile(layout, request.service), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}
