import { Client, types } from 'cassandra-driver';

/**
 * Debug aid for the Cassandra store's exactly-once scheme: per page, the events counted by the
 * counter rows of each granularity (as readers see them) against the raw events stored in
 * events_by_page. Prints the pages where they disagree, with the rows of the first few.
 */
export async function diagnoseCounters(
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
    const uncommitted = new Set<string>();
    const committedById = new Map<number, string>();
    for (const row of (await client.execute(`SELECT * FROM ${keyspace}.checkpoints`)).rows) {
      if (row.get('pending_attempt')) uncommitted.add(String(row.get('pending_attempt')));
      for (const id of (row.get('aborted_attempts') ?? []) as unknown[])
        uncommitted.add(String(id));
      committedById.set(
        Number(row.get('log_partition')),
        `${String(row.get('next_offset'))} aborted=${((row.get('aborted_attempts') ?? []) as unknown[]).length}`,
      );
    }
    out.push(`checkpoints: ${JSON.stringify(Object.fromEntries(committedById))}`);
    const sums = new Map<string, Record<string, number>>();
    const rowsOf = new Map<string, string[]>();
    for await (const row of client.stream(`SELECT * FROM ${keyspace}.counters`, [], {
      prepare: true,
      fetchSize: 5000,
    }) as unknown as AsyncIterable<types.Row>) {
      if (row.get('dimension') !== 'page') continue;
      const key = `${String(row.get('site_id'))} ${String(row.get('value'))}`;
      const stamp = row.get('attempt') ? String(row.get('attempt')) : null;
      const prefix = stamp !== null && uncommitted.has(stamp) ? 'prev_' : '';
      const events = row.get(`${prefix}events`) === null ? 0 : Number(row.get(`${prefix}events`));
      const s = sums.get(key) ?? { minute: 0, hour: 0, day: 0, raw: 0 };
      s[String(row.get('granularity'))]! += events;
      sums.set(key, s);
      const list = rowsOf.get(key) ?? [];
      list.push(
        `${String(row.get('granularity'))} ${(row.get('bucket') as Date).toISOString()} bot=${String(row.get('is_bot'))} lp=${String(row.get('log_partition'))} events=${String(row.get('events'))} prev=${String(row.get('prev_events'))} attempt=${stamp}${prefix ? ' (uncommitted)' : ''}`,
      );
      rowsOf.set(key, list);
    }
    for await (const row of client.stream(
      `SELECT site_id, page FROM ${keyspace}.events_by_page`,
      [],
      { prepare: true, fetchSize: 5000 },
    ) as unknown as AsyncIterable<types.Row>) {
      const key = `${String(row.get('site_id'))} ${String(row.get('page'))}`;
      const s = sums.get(key) ?? { minute: 0, hour: 0, day: 0, raw: 0 };
      s.raw! += 1;
      sums.set(key, s);
    }
    let bad = 0;
    for (const [key, s] of sums) {
      if (s.minute === s.raw && s.hour === s.raw && s.day === s.raw) continue;
      bad++;
      if (bad <= limit)
        out.push(`${key}: ${JSON.stringify(s)}\n  ${(rowsOf.get(key) ?? []).sort().join('\n  ')}`);
    }
    out.push(`${bad} of ${sums.size} pages disagree`);
  } finally {
    await client.shutdown();
  }
  return out.join('\n');
}
