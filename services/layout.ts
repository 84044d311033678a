import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeRef, ServiceName } from './types.js';
import { ServicesError } from './types.js';

/** Everything lives under `root`; downloads under `cache` (shared between checkouts/CI if wanted). */
export interface Layout {
  readonly root: string;
  readonly cache: string;
}

export const MAX_NODES = 9;

export function resolveLayout(env: NodeJS.ProcessEnv = process.env): Layout {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const root = resolve(env['CLICKSTREAM_SERVICES_DIR'] ?? join(repo, '.services'));
  const cache = resolve(env['CLICKSTREAM_SERVICES_CACHE'] ?? join(root, 'cache'));
  return { root, cache };
}

export function serviceDir(layout: Layout, service: ServiceName): string {
  return join(layout.root, service);
}

/**
 * Node i of N binds 127.0.0.i: the whole 127/8 block is loopback on Linux, no setup needed.
 * CLICKSTREAM_SERVICES_HOST_BASE=b shifts that to 127.0.0.(b+i), so a second Kafka (with its own
 * CLICKSTREAM_SERVICES_DIR) can run beside the usual one, e.g. for a fault test that stops it.
 * Cassandra's seed follows (node 1), and its local-only JMX ports shift by b as well.
 */
export function nodeHost(index: number): string {
  return `127.0.0.${hostBase() + index}`;
}

export function hostBase(): number {
  const base = Number(process.env['CLICKSTREAM_SERVICES_HOST_BASE'] ?? '0');
  if (!Number.isInteger(base) || base < 0 || base + MAX_NODES > 254) {
    throw new ServicesError(
      `CLICKSTREAM_SERVICES_HOST_BASE must be an integer 0..${254 - MAX_NODES}`,
    );
  }
  return base;
}

export function nodeRef(
  layout: Layout,
  service: ServiceName,
  index: number,
  port: number,
): NodeRef {
  if (!Number.isInteger(index) || index < 1 || index > MAX_NODES) {
    throw new ServicesError(`node index must be 1..${MAX_NODES}, got ${index}`);
  }
  const dir = join(serviceDir(layout, service), `node-${index}`);
  return { service, index, host: nodeHost(index), port, dir };
}

export function nodeRefs(
  layout: Layout,
  service: ServiceName,
  count: number,
  port: number,
): NodeRef[] {
  return Array.from({ length: count }, (_, i) => nodeRef(layout, service, i + 1, port));
}

export function pidFile(node: NodeRef): string {
  return join(node.dir, `${node.service}.pid`);
}

export function address(node: NodeRef): string {
  return `${node.host}:${node.port}`;
}
