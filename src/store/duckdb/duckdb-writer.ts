import type { DuckDBConnection } from '@duckdb/node-api';
import type { DedupeWindow } from '../../domain/dedupe-window.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import { VISIT_ATTRIBUTE_NAMES } from '../../domain/visit-attributes.js';
import { byVisitor, planVisits, touchWindow, type Visit, type VisitChange } from '../../domain/visits.js';
import type { CommitResult, StoreBatch } from '../../ports/event-store.js';
import { appendEvent, appendVisit, VISIT_COLUMNS, visitOfRow, type VisitorKeyer } from './duckdb-rows.js';
import { int, Params, uhugeint } from './duckdb-sql.js';

/**
 * Commits a micro-batch in one DuckDB transaction: the new events, the visits they change and the
 * partition's checkpoint, so a replay after a crash finds either all of it or none of it.
 *
 * - Duplicates: an event_id seen before (a client's retry) is stored once. The dedupe window in
 *   memory says "certainly new" for almost every event; only a "maybe" is checked against the
 *   rows that arrived within the window. Ids join the window only once their commit is durable.
 * - Visits: the batch's visitors' stored visits near the new events are read and folded with them
 *   (domain/visits.ts). Event rows carry their visit's attributes; when those change (an earlier
 *   event arrived, a first page view came late, two visits joined) the visit's older rows are
 *   rewritten in the same transaction — rare, since the tracker's first event is a page view.
 */
export function createDuckDbWriter(connection: DuckDBConnection, window: DedupeWindow, keyOf: VisitorKeyer) {
  const checkpointOf = async (partition: number): Promise<number | null> => {
    const rows = (await connection.runAndReadAll(`SELECT next_offset FROM checkpoints WHERE log_partition = ${int(partition)}`)).getRows();
    return rows.length === 0 ? null : Number(rows[0]![0]);
  };

  /** First copies of the batch's ids that neither the window nor the table has seen. */
  const freshEvents = async (events: readonly TrackedEvent[]): Promise<TrackedEvent[]> => {
    const firsts = new Map<string, TrackedEvent>();
    for (const e of events) if (!firsts.has(e.event_id)) firsts.set(e.event_id, e);
    const maybe = [...firsts.keys()].filter((id) => window.mayContain(id));
    if (maybe.length > 0) {
      const since = Number.isFinite(window.start) ? Math.floor(window.start) : 0;
      const p = new Params();
      const found = await connection.runAndReadAll(`SELECT event_id FROM events WHERE received_at >= ${int(since)} AND event_id IN (${p.list(maybe)})`, p.values);
      for (const [id] of found.getRows()) firsts.delete(String(id));
    }
    return [...firsts.values()];
  };

  const storedVisits = async (visitorEvents: readonly TrackedEvent[][]): Promise<Map<string, Visit[]>> => {
    const stored = new Map<string, Visit[]>();
    const bySite = new Map<string, Array<{ key: bigint; id: string; from: number; to: number }>>();
    for (const events of visitorEvents) {
      const { site_id, visitor_id } = events[0]!;
      const window = touchWindow(events);
      const list = bySite.get(site_id) ?? [];
      list.push({ key: keyOf(site_id, visitor_id), id: visitor_id, ...window });
      bySite.set(site_id, list);
    }
    for (const [site, visitors] of bySite) {
      const ids = new Map(visitors.map((v) => [v.key, v.id]));
      const from = Math.min(...visitors.map((v) => v.from));
      const to = Math.max(...visitors.map((v) => v.to));
      const p = new Params();
      const result = await connection.runAndReadAll(
        `SELECT ${VISIT_COLUMNS}, visitor_key FROM visits WHERE site_id = ${p.bind(site)} AND end_ts >= ${int(from)} AND start_ts <= ${int(to)}
           AND visitor_key IN (${[...ids.keys()].map(uhugeint).join(', ')})`,
        p.values,
      );
      for (const row of result.getRows()) {
        const key = row.at(-1) as bigint;
        const visitorId = ids.get(key)!;
        const list = stored.get(`${site}\u0000${visitorId}`) ?? [];
        list.push(visitOfRow(row, visitorId));
        stored.set(`${site}\u0000${visitorId}`, list);
      }
    }
    return stored;
  };

  /** A batch of the log (checkpointed), or of events imported from elsewhere (`partition` null). */
  return async (batch: StoreBatch | { partition: null; events: readonly TrackedEvent[] }): Promise<CommitResult> => {
    if (batch.partition !== null) {
      const done = await checkpointOf(batch.partition);
      if (done !== null && done >= batch.nextOffset) return { stored: 0, duplicates: batch.events.length };
    }
    const fresh = await freshEvents(batch.events);
    const visitorEvents = byVisitor(fresh);
    const stored = await storedVisits(visitorEvents);
    const changes: VisitChange[] = [];
    const gone: Array<{ site: string; visitId: string }> = [];
    const visitOf = new Map<string, Visit>();
    const rewrites: Array<{ change: VisitChange; ids: string[] }> = [];
    for (const events of visitorEvents) {
      const { site_id, visitor_id } = events[0]!;
      const near = stored.get(`${site_id}\u0000${visitor_id}`) ?? [];
      const window = touchWindow(events);
      const plan = planVisits(near.filter((v) => v.last.ts >= window.from && v.first.ts <= window.to), events);
      const after = new Map(plan.changes.map((c) => [c.after.visitId, c.after]));
      for (const [eventId, visitId] of plan.visitOf) visitOf.set(eventId, after.get(visitId)!);
      for (const change of plan.changes) {
        changes.push(change);
        if (change.before) gone.push({ site: site_id, visitId: change.before.visitId });
        if (change.rewriteEvents) {
          const merged = plan.merged.filter((m) => m.into === change.after.visitId).map((m) => m.visit.visitId);
          rewrites.push({ change, ids: [change.after.visitId, ...merged] });
        }
      }
      for (const m of plan.merged) gone.push({ site: site_id, visitId: m.visit.visitId });
    }

    await connection.run('BEGIN TRANSACTION');
    try {
      const events = await connection.createAppender('events');
      for (const event of fresh) appendEvent(events, event, keyOf(event.site_id, event.visitor_id), visitOf.get(event.event_id)!);
      events.flushSync();
      events.closeSync();
      for (const { change, ids } of rewrites) await rewriteVisitEvents(connection, change.after, keyOf(change.after.siteId, change.after.visitorId), ids);
      for (const [site, visitIds] of groupBySite(gone)) {
        const p = new Params();
        await connection.run(`DELETE FROM visits WHERE site_id = ${p.bind(site)} AND visit_id IN (${p.list(visitIds)})`, p.values);
      }
      const visits = await connection.createAppender('visits');
      for (const { after } of changes) appendVisit(visits, after, keyOf(after.siteId, after.visitorId));
      visits.flushSync();
      visits.closeSync();
      for (const [site, first] of firstEventBySite(fresh)) {
        const p = new Params();
        await connection.run(
          `INSERT INTO sites VALUES (${p.bind(site)}, ${int(first)}) ON CONFLICT (site_id) DO UPDATE SET first_event_at = least(sites.first_event_at, excluded.first_event_at)`,
          p.values,
        );
      }
      if (batch.partition !== null) {
        await connection.run(`INSERT OR REPLACE INTO checkpoints VALUES (${int(batch.partition)}, ${int(batch.nextOffset)}, ${int(Date.now())})`);
      }
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    for (const event of fresh) window.add(event.event_id, event.received_at);
    return { stored: fresh.length, duplicates: batch.events.length - fresh.length };
  };
}

/** Gives a visit's stored events (its own and those of visits that joined it) its current id and attributes. */
async function rewriteVisitEvents(connection: DuckDBConnection, visit: Visit, visitorKey: bigint, visitIds: readonly string[]): Promise<void> {
  const p = new Params();
  const assignments = [
    `visit_id = ${p.bind(visit.visitId)}`,
    `visit_entry_page = ${p.bind(visit.entry?.page ?? '(none)')}`,
    ...VISIT_ATTRIBUTE_NAMES.map((name) => `visit_${name} = ${p.bind(visit.attributes[name])}`),
  ];
  await connection.run(
    `UPDATE events SET ${assignments.join(', ')} WHERE site_id = ${p.bind(visit.siteId)} AND visitor_key = ${uhugeint(visitorKey)}
       AND ts >= ${int(visit.first.ts)} AND ts <= ${int(visit.last.ts)} AND visit_id IN (${p.list(visitIds)})`,
    p.values,
  );
}

function groupBySite(items: ReadonlyArray<{ site: string; visitId: string }>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { site, visitId } of items) groups.set(site, [...(groups.get(site) ?? []), visitId]);
  return groups;
}

function firstEventBySite(events: readonly TrackedEvent[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const e of events) first.set(e.site_id, Math.min(first.get(e.site_id) ?? Infinity, e.timestamp));
  return first;
}
