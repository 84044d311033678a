import type { types } from 'cassandra-driver';
import {
  groupByVisitor,
  sessionize,
  SESSION_TIMEOUT_MS,
  type SessionChange,
  type SessionState,
} from '../../domain/sessions.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import type { Statements } from './cassandra-statements.js';
import { booleanOf, nullableTextOf, numberOf, textOf, uuidTextOf } from './cassandra-values.js';
import type { CqlSession, Statement } from './cql-session.js';
import type { Attempt } from './partition-checkpoints.js';
import { ttlSeconds } from './retention-ttl.js';

/**
 * Sessions per visitor, owned by the log partition the visitor's events come through. Each row
 * keeps the state before the attempt that last wrote it (`prev`), so a replay after a crash folds
 * its events into the committed sessions, not into the half-written ones.
 */
export function createSessionWriter(cql: CqlSession, st: Statements, retentionMs: number) {
  const committedSessions = async (
    site: string,
    visitor: string,
    attempt: Attempt,
  ): Promise<SessionState[]> => {
    const rows = await cql.rows(st.sessionsOfVisitor, [site, visitor, attempt.partition]);
    return rows
      .map((row) => committedSession(row, site, visitor, attempt.uncommitted))
      .filter((s) => s !== null);
  };

  return {
    /** How the events change their visitors' sessions (events of one log partition only). */
    async changes(events: readonly TrackedEvent[], attempt: Attempt): Promise<SessionChange[]> {
      const perVisitor = await cql.map(groupByVisitor(events), async (visitorEvents) => {
        const { site_id, visitor_id } = visitorEvents[0]!;
        const times = visitorEvents.map((e) => e.timestamp);
        const from = Math.min(...times) - SESSION_TIMEOUT_MS;
        const to = Math.max(...times) + SESSION_TIMEOUT_MS;
        const near = (await committedSessions(site_id, visitor_id, attempt)).filter(
          (s) => s.last >= from && s.start <= to,
        );
        return sessionize(near, visitorEvents);
      });
      return perVisitor.flat();
    },

    async write(changes: readonly SessionChange[], attempt: Attempt, now: number): Promise<void> {
      const perVisitor = new Map<string, Statement[]>();
      for (const { before, after } of changes) {
        const key = `${after.site_id}\0${after.visitor_id}`;
        const statement: Statement = {
          query: st.writeSession,
          params: [
            after.site_id,
            after.visitor_id,
            attempt.partition,
            after.session_key,
            new Date(after.start),
            new Date(after.last),
            after.events,
            after.pageviews,
            after.interactions,
            after.entry_page,
            after.is_bot,
            attempt.id,
            before === null ? null : JSON.stringify(before),
            ttlSeconds(after.last, retentionMs, now),
          ],
        };
        perVisitor.set(key, [...(perVisitor.get(key) ?? []), statement]);
      }
      await cql.writePartitions(perVisitor.values());
    },
  };
}

function committedSession(
  row: types.Row,
  site: string,
  visitor: string,
  uncommitted: ReadonlySet<string>,
): SessionState | null {
  const stamp = uuidTextOf(row.get('attempt'));
  if (stamp !== null && uncommitted.has(stamp)) {
    const prev = nullableTextOf(row.get('prev'));
    return prev === null ? null : (JSON.parse(prev) as SessionState);
  }
  return {
    site_id: site,
    visitor_id: visitor,
    session_key: textOf(row.get('session_key')),
    start: numberOf(row.get('start')),
    last: numberOf(row.get('last')),
    events: numberOf(row.get('events')),
    pageviews: numberOf(row.get('pageviews')),
    interactions: numberOf(row.get('interactions')),
    entry_page: textOf(row.get('entry_page')),
    is_bot: booleanOf(row.get('is_bot')),
  };
}
