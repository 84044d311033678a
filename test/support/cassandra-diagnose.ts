import { Client, types } from 'cassandra-driver';

/**
 * Debug aid for the Cassandra store's exactly-once scheme, printed when a fault test's ledger
 * disagrees: the checkpoints, and the event ids each raw-event table and events_by_id hold. Every
 * stored event has one row in each; an id missing from one table, or found twice in one, is named.
 */
export async function diagnoseStore(
  contactPoints: string[],
  keyspace: string,
  limit = 5,
): Promise<string> {
  const client = new Client({
    contactPoints,
    localDataCenter: 'datacenter1',
    queryOptions: { consistency: types.consistencies.localQuorum },
  });
  const out: string[] = [];
  try {
    const checkpoints = (await client.execute(`SELECT * FROM ${keyspace}.checkpoints`)).rows.map(
      (row) => `${String(row.get('log_partition'))}:${String(row.get('next_offset'))}`,
    );
    out.push(`checkpoints: ${checkpoints.sort().join(' ')}`);
    const tables = ['events_by_id', 'events_by_page', 'events_by_site', 'events_by_visitor'];
    const ids = new Map<string, Map<string, number>>();
    for (const table of tables) {
      const seen = new Map<string, number>();
      for await (const row of client.stream(`SELECT event_id FROM ${keyspace}.${table}`, [], {
        prepare: true,
        fetchSize: 5000,
      }) as unknown as AsyncIterable<types.Row>) {
        const id = String(row.get('event_id'));
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      ids.set(table, seen);
      const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
      out.push(
        `${table}: ${seen.size} ids, ${twice.length} found twice ${twice.slice(0, limit).join(' ')}`,
      );
    }
    const all = new Set([...ids.values()].flatMap((seen) => [...seen.keys()]));
    for (const table of tables) {
      const missing = [...all].filter((id) => !ids.get(table)!.has(id));
      if (missing.length > 0)
        out.push(`${table} lacks ${missing.length} ids: ${missing.slice(0, limit).join(' ')}`);
    }
  } finally {
    await client.shutdown();
  }
  return out.join('\n');
}
