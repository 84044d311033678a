import type Database from 'better-sqlite3';
import {
  CounterAccumulator,
  countEvents,
  sketchVisitors,
  type CounterDelta,
  type SketchDelta,
} from '../../domain/counters.js';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import {
  countSessionChanges,
  groupByVisitor,
  sessionize,
  SESSION_TIMEOUT_MS,
  type SessionChange,
  type SessionState,
} from '../../domain/sessions.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import type { CommitResult, StoreBatch } from '../../ports/event-store.js';

interface SessionRow extends Omit<SessionState, 'is_bot'> {
  is_bot: number;
}

/**
 * Writes a batch in one SQLite transaction: raw events (INSERT OR IGNORE by event_id, so a
 * client's retry is stored once), the counters, sketches and sessions of the events that were
 * new, and the partition checkpoint. Either all of it lands or none; a replayed batch whose
 * checkpoint is already past is skipped whole.
 */
export function createSqliteWriter(db: Database.Database): (batch: StoreBatch) => CommitResult {
  const checkpointOf = db.prepare<[number], { next_offset: number }>(
    'SELECT next_offset FROM checkpoints WHERE partition = ?',
  );
  const insertEvent = db.prepare(
    'INSERT OR IGNORE INTO events (event_id, site_id, visitor_id, page, event_type, ts, is_bot, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const upsertCounter = db.prepare(
    `INSERT INTO counters (site_id, dimension, granularity, bucket, value, is_bot, events, pageviews, sessions, bounces, duration_ms)
     VALUES (@site_id, @dimension, @granularity, @bucket, @value, @is_bot, @events, @pageviews, @sessions, @bounces, @duration_ms)
     ON CONFLICT DO UPDATE SET events = events + excluded.events, pageviews = pageviews + excluded.pageviews,
       sessions = sessions + excluded.sessions, bounces = bounces + excluded.bounces, duration_ms = duration_ms + excluded.duration_ms`,
  );
  const sketchOf = db.prepare<unknown[], { sketch: Buffer }>(
    'SELECT sketch FROM sketches WHERE site_id = ? AND dimension = ? AND granularity = ? AND bucket = ? AND value = ? AND is_bot = ?',
  );
  const upsertSketch = db.prepare(
    'INSERT OR REPLACE INTO sketches (site_id, dimension, granularity, bucket, value, is_bot, sketch) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const sessionsNear = db.prepare<unknown[], SessionRow>(
    'SELECT * FROM sessions WHERE site_id = ? AND visitor_id = ? AND last >= ? AND start <= ?',
  );
  const upsertSession = db.prepare(
    `INSERT OR REPLACE INTO sessions (site_id, visitor_id, session_key, start, last, events, pageviews, interactions, entry_page, is_bot)
     VALUES (@site_id, @visitor_id, @session_key, @start, @last, @events, @pageviews, @interactions, @entry_page, @is_bot)`,
  );
  const saveCheckpoint = db.prepare(
    'INSERT OR REPLACE INTO checkpoints (partition, next_offset, updated_at) VALUES (?, ?, ?)',
  );

  const writeCounter = (d: CounterDelta): void => {
    if (!d.events && !d.pageviews && !d.sessions && !d.bounces && !d.duration_ms) return;
    upsertCounter.run({ ...d, is_bot: d.is_bot ? 1 : 0 });
  };
  const writeSketch = (d: SketchDelta): void => {
    const key = [d.site_id, d.dimension, d.granularity, d.bucket, d.value, d.is_bot ? 1 : 0];
    const stored = sketchOf.get(...key);
    upsertSketch.run(...key, Buffer.from(HyperLogLog.mergeBytes(stored?.sketch, d.sketch)));
  };
  const changeSessions = (events: readonly TrackedEvent[]): SessionChange[] => {
    const changes: SessionChange[] = [];
    for (const visitorEvents of groupByVisitor(events)) {
      const times = visitorEvents.map((e) => e.timestamp);
      const first = visitorEvents[0]!;
      const rows = sessionsNear.all(
        first.site_id,
        first.visitor_id,
        Math.min(...times) - SESSION_TIMEOUT_MS,
        Math.max(...times) + SESSION_TIMEOUT_MS,
      );
      changes.push(
        ...sessionize(
          rows.map((r) => ({ ...r, is_bot: r.is_bot === 1 })),
          visitorEvents,
        ),
      );
    }
    return changes;
  };

  return db.transaction((batch: StoreBatch): CommitResult => {
    const done = checkpointOf.get(batch.partition);
    if (done && done.next_offset >= batch.nextOffset)
      return { stored: 0, duplicates: batch.events.length };
    const fresh = batch.events.filter(
      (e) =>
        insertEvent.run(
          e.event_id,
          e.site_id,
          e.visitor_id,
          e.page,
          e.event_type,
          e.timestamp,
          e.is_bot ? 1 : 0,
          JSON.stringify(e),
        ).changes === 1,
    );
    const counters = new CounterAccumulator();
    countEvents(fresh, counters);
    const sessionChanges = changeSessions(fresh);
    countSessionChanges(sessionChanges, counters);
    counters.deltas.forEach(writeCounter);
    sketchVisitors(fresh).forEach(writeSketch);
    for (const { after } of sessionChanges)
      upsertSession.run({ ...after, is_bot: after.is_bot ? 1 : 0 });
    saveCheckpoint.run(batch.partition, batch.nextOffset, Date.now());
    return { stored: fresh.length, duplicates: batch.events.length - fresh.length };
  });
}
