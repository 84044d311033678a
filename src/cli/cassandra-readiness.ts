import type { Client } from 'cassandra-driver';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The nodes a keyspace's replication needs before its schema can be written and used: for
 * SimpleStrategy, `replication_factor` nodes anywhere; for NetworkTopologyStrategy, that many in
 * each data center named. A cluster that is still forming (docker compose starts Cassandra nodes
 * one after another, and `migrate` once the first answers) would otherwise take a keyspace at RF 3
 * on one node and then refuse LOCAL_QUORUM, so migrate waits for the replicas first.
 */
export function replicasNeeded(
  replication: Readonly<Record<string, string>>,
): Map<string | null, number> {
  const { class: strategy, ...factors } = replication;
  if (strategy === 'SimpleStrategy')
    return new Map([[null, Number(factors['replication_factor'] ?? 1)]]);
  return new Map(Object.entries(factors).map(([dc, n]) => [dc, Number(n)]));
}

export interface ClusterView {
  /** Nodes up, by data center, as the driver sees them (topology and status events). */
  upByDataCenter: Map<string, number>;
  /** Distinct schema versions among the nodes up (1 when they agree). */
  schemaVersions: number;
}

/** What is missing, in words, or undefined when the cluster has what the replication needs. */
export function shortfall(
  needed: Map<string | null, number>,
  view: ClusterView,
): string | undefined {
  const missing: string[] = [];
  const total = [...view.upByDataCenter.values()].reduce((a, b) => a + b, 0);
  for (const [dc, count] of needed) {
    const up = dc === null ? total : (view.upByDataCenter.get(dc) ?? 0);
    if (up < count) missing.push(`${up} of ${count} nodes up${dc === null ? '' : ` in ${dc}`}`);
  }
  if (missing.length === 0 && view.schemaVersions > 1)
    missing.push(`the ${total} nodes up do not agree on the schema yet`);
  return missing.length === 0 ? undefined : missing.join(', ');
}

async function observe(client: Client): Promise<ClusterView> {
  const upByDataCenter = new Map<string, number>();
  const upAddresses = new Set<string>();
  for (const host of client.hosts.values()) {
    if (!host.isUp()) continue;
    upByDataCenter.set(host.datacenter, (upByDataCenter.get(host.datacenter) ?? 0) + 1);
    upAddresses.add(host.address.replace(/:\d+$/, ''));
  }
  // system.peers also lists nodes that are down, with the schema they last had: count the live ones.
  const local = await client.execute('SELECT schema_version FROM system.local', [], {
    prepare: false,
  });
  const peers = await client.execute('SELECT peer, schema_version FROM system.peers', [], {
    prepare: false,
  });
  const versions = new Set(local.rows.map((row) => String(row.get('schema_version'))));
  for (const row of peers.rows) {
    if (upAddresses.has(String(row.get('peer')))) versions.add(String(row.get('schema_version')));
  }
  return { upByDataCenter, schemaVersions: versions.size };
}

/**
 * Waits until the cluster has the nodes the keyspace's replication needs and they agree on the
 * schema; reports each new reason to wait through `onWait`. Throws, naming what is missing, after
 * `timeoutMs`.
 */
export async function awaitReplicas(
  client: Client,
  replication: Readonly<Record<string, string>>,
  options: { timeoutMs: number; pollMs?: number; onWait: (reason: string) => void },
): Promise<void> {
  const needed = replicasNeeded(replication);
  const deadline = Date.now() + options.timeoutMs;
  let last: string | undefined;
  for (;;) {
    const missing = shortfall(needed, await observe(client));
    if (missing === undefined) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `the keyspace's replication needs more of the cluster than is up after ${Math.round(options.timeoutMs / 1000)} s (${missing}); start the missing nodes, or lower CASSANDRA_REPLICATION, then run migrate again`,
      );
    }
    if (missing !== last) options.onWait(missing);
    last = missing;
    await sleep(options.pollMs ?? 1000);
  }
}
