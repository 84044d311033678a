import { join } from 'node:path';
import { createCassandraDriver } from './cassandra-node.js';
import type { ServicesContext } from './context.js';
import { createKafkaDriver } from './kafka-node.js';
import type { Layout } from './layout.js';
import type { ServiceDriver, ServiceName } from './types.js';

export function createDriver(ctx: ServicesContext, name: ServiceName): ServiceDriver {
  return name === 'kafka' ? createKafkaDriver(ctx) : createCassandraDriver(ctx);
}

/** Held by every command that starts or stops processes (up, down, wipe, start, stop). */
export function lockFile(layout: Layout): string {
  return join(layout.root, '.lock');
}

/** Long enough for a cold `up` of three Cassandra nodes queued behind another caller. */
export const LOCK_WAIT_MS = 15 * 60_000;

/** Downloads one after another: two Maven runs must not write the same local repository. */
export async function installAll(drivers: readonly ServiceDriver[]): Promise<void> {
  for (const driver of drivers) await driver.install();
}
