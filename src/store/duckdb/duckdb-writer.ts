import type { DuckDBConnection } from '@duckdb/node-api';
import { bloomDigest, type BloomDigest } from '../../domain/bloom-filter.js';
import type { DedupeWindow } from '../../domain/dedupe-window.js';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import { VISIT_ATTRIBUTE_NAMES } from '../../domain/visit-attributes.js';
import {
  byVisitor,
  planVisits,
  touchWindow,
  type Visit,
  type VisitChange,
} from '../../domain/visits.js';
import type { CommitResult, StoreBatch } from '../../ports/event-store.js';
import {
  appendEvent,
  appendVisit,
  VISIT_COLUMNS,
  visitOfRow,
  type VisitorIdentity,
  type VisitorKeyer,
} from './duckdb-rows.js';
import { int, Params, uhugeint } from './duckdb-sql.js';
import { rollupDeltas, writeRollups } from './daily-rollups.js';
import {
  eventTable,
  eventTablesOf,
  RECENT_EVENTS,
  SHARD_BITS,
  shardNumbers,
} from './duckdb-schema.js';
import { HotVisits } from './hot-visits.js';

/** How long after its last event a visit stays in `visits_hot` (by event time). */
const HOT_MS = 2 * 3_600_000;
/** Visits cool down in steps of this much, not at every commit. */
const COOL_STEP_MS = 10 * 60_000;

export type BatchToWrite = StoreBatch | { partition: null; events: readonly TrackedEvent[] };

interface VisitorGroup {
  siteId: string;
  visitorId: string;
  cacheKey: string;
  who: VisitorIdentity;
  events: TrackedEvent[];
  window: { from: number; to: number };
}

/**
 * Commits a micro-batch — or one pass's batches of several partitions — in one DuckDB transaction:
 * the new events, the visits they change and the partitions' checkpoints, so a replay after a
 * crash finds either all of it or none of it. A commit's fixed cost (some twenty statements,
 * ~50 ms of CPU on a 2-core machine) is paid once per pass, not once per partition.
 *
 * - Duplicates: an event_id seen before (a client's retry) is stored once. The dedupe window in
 *   memory says "certainly new" for almost every event; only a "maybe" is checked against the
 *   rows that arrived within the window. Ids join the window only once their commit is durable.
 * - Visits: the stored visits near the new events come from the hot visits in memory (or, for
 *   events older than those, from the tables) and are folded with them (domain/visits.ts). Event
 *   rows carry their visit's attributes; when those change (an earlier event arrived, a first page
 *   view came late, two visits joined) the visit's older rows are rewritten in the same
 *   transaction — rare, since the tracker's first event is a page view.
 * - Changed visits are rewritten in the small `visits_hot` table; every few minutes the ones
 *   whose last event is over two hours old move to `visits`, which only grows.
 */
export function createDuckDbWriter(
  connection: DuckDBConnection,
  window: DedupeWindow,
  keyOf: VisitorKeyer,
  committed: (events: readonly TrackedEvent[]) => void = () => undefined,
  recent: RecentEventsOptions = { smallCommitEvents: 2_000, moveRows: 20_000 },
) {
  let hot: HotVisits | null = null;
  /** Rows in the recent-events table, as of the last commit; null when it must be counted again. */
  let recentRows: number | null = null;
  /** The batch's id digests, hashed once for the window's lookup and reused when it records them. */
  const digests = new Map<string, BloomDigest>();
  const identities = new Map<string, VisitorIdentity>();
  const identityOf = (siteId: string, visitorId: string): VisitorIdentity => {
    const id = `${siteId}\u0000${visitorId}`;
    let who = identities.get(id);
    if (!who) {
      if (identities.size >= 100_000) identities.clear();
      identities.set(
        id,
        (who = { key: keyOf(siteId, visitorId), position: HyperLogLog.position(visitorId) }),
      );
    }
    return who;
  };

  const checkpointsOf = async (partitions: readonly number[]): Promise<Map<number, number>> => {
    const rows = (
      await connection.runAndReadAll(
        `SELECT log_partition, next_offset FROM checkpoints WHERE log_partition IN (${partitions.map(int).join(', ')})`,
      )
    ).getRows();
    return new Map(rows.map(([partition, offset]) => [Number(partition), Number(offset)]));
  };

  /** First copies of the batch's ids that neither the window nor the table has seen. */
  const freshEvents = async (events: readonly TrackedEvent[]): Promise<TrackedEvent[]> => {
    const firsts = new Map<string, TrackedEvent>();
    for (const e of events) if (!firsts.has(e.event_id)) firsts.set(e.event_id, e);
    const maybe: string[] = [];
    for (const id of firsts.keys()) {
      const digest = bloomDigest(id);
      digests.set(id, digest);
      if (window.mayContain(digest)) maybe.push(id);
    }
    if (maybe.length > 0) {
      const since = Number.isFinite(window.start) ? Math.floor(window.start) : 0;
      const p = new Params();
      const found = await connection.runAndReadAll(
        `SELECT event_id FROM events WHERE received_at >= ${int(since)} AND event_id IN (${p.list(maybe)})`,
        p.values,
      );
      for (const [id] of found.getRows()) firsts.delete(String(id));
    }
    return [...firsts.values()];
  };

  const loadHot = async (): Promise<HotVisits> => {
    const cooled = (
      await connection.runAndReadAll('SELECT max(cooled_before) FROM visit_cooling')
    ).getRows()[0]?.[0];
    const visits = new HotVisits(
      cooled === null || cooled === undefined ? -Infinity : Number(cooled),
    );
    const reader = await connection.streamAndReadUntil(
      `SELECT ${VISIT_COLUMNS}, visitor_key FROM visits_hot`,
      Number.MAX_SAFE_INTEGER,
    );
    for (const row of reader.getRows()) {
      const visit = visitOfRow(row, '');
      visits.put(HotVisits.keyOf(visit.siteId, row.at(-1) as bigint), visit);
    }
    return visits;
  };

  /** Visits of visitors whose events reach further back than the hot visits: from both tables. */
  const storedVisits = async (groups: readonly VisitorGroup[]): Promise<Map<string, Visit[]>> => {
    const found = new Map<string, Visit[]>();
    const bySite = new Map<string, VisitorGroup[]>();
    for (const g of groups) {
      const list = bySite.get(g.siteId);
      if (list) list.push(g);
      else bySite.set(g.siteId, [g]);
    }
    for (const [site, list] of bySite) {
      const ids = new Map(list.map((g) => [g.who.key, g]));
      const p = new Params();
      const result = await connection.runAndReadAll(
        `SELECT ${VISIT_COLUMNS}, visitor_key FROM all_visits WHERE site_id = ${p.bind(site)}
           AND end_ts >= ${int(Math.min(...list.map((g) => g.window.from)))} AND start_ts <= ${int(Math.max(...list.map((g) => g.window.to)))}
           AND visitor_key IN (${[...ids.keys()].map(uhugeint).join(', ')})`,
        p.values,
      );
      for (const row of result.getRows()) {
        const group = ids.get(row.at(-1) as bigint)!;
        const list = found.get(group.cacheKey);
        if (list) list.push(visitOfRow(row, group.visitorId));
        else found.set(group.cacheKey, [visitOfRow(row, group.visitorId)]);
      }
    }
    return found;
  };

  /** Batches not committed before (by their partition's checkpoint), and how many events the others held. */
  const notYetCommitted = async (
    batches: readonly StoreBatch[],
  ): Promise<{ todo: StoreBatch[]; replayed: number }> => {
    const done = await checkpointsOf(batches.map((b) => b.partition));
    const todo: StoreBatch[] = [];
    let replayed = 0;
    for (const batch of batches) {
      const at = done.get(batch.partition);
      if (at !== undefined && at >= batch.nextOffset) replayed += batch.events.length;
      else todo.push(batch);
    }
    return { todo, replayed };
  };

  const write = (batch: BatchToWrite): Promise<CommitResult> =>
    batch.partition === null ? writeEvents(batch.events, []) : writeTogether([batch]);

  const writeTogether = async (batches: readonly StoreBatch[]): Promise<CommitResult> => {
    const { todo, replayed } = await notYetCommitted(batches);
    if (todo.length === 0) return { stored: 0, duplicates: replayed };
    const events = todo.length === 1 ? todo[0]!.events : todo.flatMap((b) => b.events);
    const result = await writeEvents(events, todo);
    return { stored: result.stored, duplicates: result.duplicates + replayed };
  };

  /** The events and the checkpoints of the batches they came from, in one transaction. */
  const writeEvents = async (
    events: readonly TrackedEvent[],
    checkpoints: readonly StoreBatch[],
  ): Promise<CommitResult> => {
    hot ??= await loadHot();
    const visits = hot;
    const fresh = await freshEvents(events);
    const groups: VisitorGroup[] = byVisitor(fresh).map((events) => {
      const { site_id: siteId, visitor_id: visitorId } = events[0]!;
      const who = identityOf(siteId, visitorId);
      return {
        siteId,
        visitorId,
        who,
        events,
        cacheKey: HotVisits.keyOf(siteId, who.key),
        window: touchWindow(events),
      };
    });
    const late = groups.filter((g) => !visits.covers(g.window.from));
    const fromTables = late.length > 0 ? await storedVisits(late) : new Map<string, Visit[]>();

    const changes: Array<VisitChange & { who: VisitorIdentity; cacheKey: string }> = [];
    const gone: Array<{ site: string; visitId: string; cacheKey: string }> = [];
    const visitOf = new Map<string, Visit>();
    const rewrites: Array<{ visit: Visit; who: VisitorIdentity; ids: string[] }> = [];
    for (const g of groups) {
      const near = (
        fromTables.get(g.cacheKey) ?? visits.near(g.cacheKey, g.window.from, g.window.to)
      ).map((v) => ({ ...v, visitorId: g.visitorId }));
      const plan = planVisits(near, g.events);
      const after = new Map(plan.changes.map((c) => [c.after.visitId, c.after]));
      for (const [eventId, visitId] of plan.visitOf) visitOf.set(eventId, after.get(visitId)!);
      for (const change of plan.changes) {
        changes.push({ ...change, who: g.who, cacheKey: g.cacheKey });
        if (change.before)
          gone.push({ site: g.siteId, visitId: change.before.visitId, cacheKey: g.cacheKey });
        if (change.rewriteEvents) {
          const merged = plan.merged
            .filter((m) => m.into === change.after.visitId)
            .map((m) => m.visit.visitId);
          rewrites.push({
            visit: change.after,
            who: g.who,
            ids: [change.after.visitId, ...merged],
          });
        }
      }
      for (const m of plan.merged)
        gone.push({ site: g.siteId, visitId: m.visit.visitId, cacheKey: g.cacheKey });
    }
    const newest = fresh.reduce((max, e) => Math.max(max, e.timestamp), -Infinity);
    const coolTo = Math.floor((newest - HOT_MS) / COOL_STEP_MS) * COOL_STEP_MS;
    const cooling =
      Number.isFinite(coolTo) && coolTo > visits.coveredFrom + COOL_STEP_MS ? coolTo : null;

    await connection.run('BEGIN TRANSACTION');
    try {
      // A small commit appends to one table; a big one straight to the shards. The recent events
      // move into their shards in bulk once there are enough of them.
      const small = fresh.length <= recent.smallCommitEvents;
      recentRows ??= await countRecent(connection);
      const tableOf = (event: TrackedEvent): string =>
        small
          ? RECENT_EVENTS
          : eventTable(identityOf(event.site_id, event.visitor_id).position.index);
      const byTable = new Map<string, TrackedEvent[]>();
      for (const event of fresh) {
        const table = tableOf(event);
        const list = byTable.get(table);
        if (list) list.push(event);
        else byTable.set(table, [event]);
      }
      for (const [table, events] of byTable) {
        const rows = await connection.createAppender(table);
        for (const event of events)
          appendEvent(
            rows,
            event,
            identityOf(event.site_id, event.visitor_id),
            visitOf.get(event.event_id)!,
          );
        rows.flushSync();
        rows.closeSync();
      }
      let recentAfter = recentRows + (small ? fresh.length : 0);
      if (recentAfter >= recent.moveRows) {
        await moveRecentEvents(connection);
        recentAfter = 0;
      }
      for (const r of rewrites) await rewriteVisitEvents(connection, r.visit, r.who, r.ids);
      await writeRollups(
        connection,
        rollupDeltas(fresh, (e) => identityOf(e.site_id, e.visitor_id).position),
      );
      await deleteVisits(connection, gone, late.length > 0);
      const visitRows = await connection.createAppender('visits_hot');
      for (const { after, who } of changes) appendVisit(visitRows, after, who);
      visitRows.flushSync();
      visitRows.closeSync();
      if (cooling !== null) {
        await connection.run(
          `INSERT INTO visits SELECT * FROM visits_hot WHERE end_ts < ${int(cooling)}`,
        );
        await connection.run(`DELETE FROM visits_hot WHERE end_ts < ${int(cooling)}`);
        await connection.run('DELETE FROM visit_cooling');
        await connection.run(`INSERT INTO visit_cooling VALUES (${int(cooling)})`);
      }
      for (const [site, first] of firstEventBySite(fresh)) {
        const p = new Params();
        await connection.run(
          `INSERT INTO sites VALUES (${p.bind(site)}, ${int(first)}) ON CONFLICT (site_id) DO UPDATE SET first_event_at = least(sites.first_event_at, excluded.first_event_at)`,
          p.values,
        );
      }
      if (checkpoints.length > 0) {
        const at = int(Date.now());
        await connection.run(
          `INSERT OR REPLACE INTO checkpoints VALUES ${checkpoints.map((c) => `(${int(c.partition)}, ${int(c.nextOffset)}, ${at})`).join(', ')}`,
        );
      }
      await connection.run('COMMIT');
      recentRows = recentAfter;
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      hot = null;
      recentRows = null;
      throw error;
    }
    for (const g of gone) visits.remove(g.cacheKey, g.visitId);
    for (const c of changes) visits.put(c.cacheKey, c.after);
    if (cooling !== null) visits.cool(cooling);
    for (const event of fresh)
      window.add(digests.get(event.event_id) ?? event.event_id, event.received_at);
    digests.clear();
    committed(fresh);
    return { stored: fresh.length, duplicates: events.length - fresh.length };
  };
  return {
    write,
    writeTogether,
    /** After rows were deleted behind the writer's back (erasure, retention): reload the hot visits. */
    invalidate(): void {
      hot = null;
      recentRows = null;
    },
  };
}

/** Removes the stored rows of visits that changed or merged (one statement per table); a late batch may touch cooled ones too. */
async function deleteVisits(
  connection: DuckDBConnection,
  gone: ReadonlyArray<{ site: string; visitId: string }>,
  includeCooled: boolean,
): Promise<void> {
  const bySite = new Map<string, string[]>();
  for (const { site, visitId } of gone) {
    const list = bySite.get(site);
    if (list) list.push(visitId);
    else bySite.set(site, [visitId]);
  }
  // One statement per site and table: a tuple IN over (site_id, visit_id) was slower on big batches.
  for (const [site, visitIds] of bySite) {
    for (const table of includeCooled ? ['visits_hot', 'visits'] : ['visits_hot']) {
      const p = new Params();
      await connection.run(
        `DELETE FROM ${table} WHERE site_id = ${p.bind(site)} AND visit_id IN (${p.list(visitIds)})`,
        p.values,
      );
    }
  }
}

/** Gives a visit's stored events (its own and those of visits that joined it) its current id and attributes. */
async function rewriteVisitEvents(
  connection: DuckDBConnection,
  visit: Visit,
  who: VisitorIdentity,
  visitIds: readonly string[],
): Promise<void> {
  const p = new Params();
  const assignments = [
    `visit_id = ${p.bind(visit.visitId)}`,
    `visit_entry_page = ${p.bind(visit.entry?.page ?? '(none)')}`,
    ...VISIT_ATTRIBUTE_NAMES.map((name) => `visit_${name} = ${p.bind(visit.attributes[name])}`),
  ];
  const rows = `SET ${assignments.join(', ')} WHERE site_id = ${p.bind(visit.siteId)} AND visitor_key = ${uhugeint(who.key)}
       AND ts >= ${int(visit.first.ts)} AND ts <= ${int(visit.last.ts)} AND visit_id IN (${p.list(visitIds)})`;
  for (const table of eventTablesOf(who.position.index))
    await connection.run(`UPDATE ${table} ${rows}`, p.values);
}

export interface RecentEventsOptions {
  /** Commits of at most this many events append to the recent-events table; bigger ones fill most shards anyway and append to them. */
  smallCommitEvents: number;
  /** The recent events move into their shards once they are this many (in the commit that reaches it). */
  moveRows: number;
}

async function countRecent(connection: DuckDBConnection): Promise<number> {
  const rows = (await connection.runAndReadAll(`SELECT count(*) FROM ${RECENT_EVENTS}`)).getRows();
  return Number(rows[0]![0]);
}

/** Moves the recent events into their shards, in time order (what the shards' zone maps like). */
async function moveRecentEvents(connection: DuckDBConnection): Promise<void> {
  for (const n of shardNumbers())
    await connection.run(
      `INSERT INTO events_${n} SELECT * FROM ${RECENT_EVENTS} WHERE hll_reg >> ${SHARD_BITS} = ${n} ORDER BY ts`,
    );
  await connection.run(`DELETE FROM ${RECENT_EVENTS}`);
}

function firstEventBySite(events: readonly TrackedEvent[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const e of events)
    first.set(e.site_id, Math.min(first.get(e.site_id) ?? Infinity, e.timestamp));
  return first;
}
