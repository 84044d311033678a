import { mapValue, type DuckDBAppender } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { NONE } from '../../domain/stats/query-model.js';
import { PAGE_VIEW, type TrackedEvent } from '../../domain/tracked-event.js';
import { VISIT_ATTRIBUTE_NAMES, type VisitAttributes } from '../../domain/visit-attributes.js';
import type { Visit } from '../../domain/visits.js';
import { propertyStrings } from '../../domain/event-properties.js';

/**
 * Row writers and readers for the DuckDB tables (duckdb-schema.ts), in column order. A visitor
 * is stored as a keyed hash (visitorKey): the id itself never reaches the file.
 */
export type VisitorKeyer = (siteId: string, visitorId: string) => bigint;

export function createVisitorKeyer(secret: string): VisitorKeyer {
  return (siteId, visitorId) => {
    const digest = createHmac('sha256', secret)
      .update(siteId)
      .update('\u0000')
      .update(visitorId)
      .digest();
    return digest.readBigUInt64BE(0) * 2n ** 64n + digest.readBigUInt64BE(8);
  };
}

const text = (appender: DuckDBAppender, value: string | null | undefined): void => {
  if (value === null || value === undefined) appender.appendNull();
  else appender.appendVarchar(value);
};

function appendAttributes(appender: DuckDBAppender, attributes: VisitAttributes): void {
  for (const name of VISIT_ATTRIBUTE_NAMES) appender.appendVarchar(attributes[name]);
}

/** A visitor's key and HyperLogLog register, computed once per visitor and batch. */
export interface VisitorIdentity {
  key: bigint;
  position: { index: number; rank: number };
}

/** Fields only the visitor timeline gives back, kept together as one JSON column (nulls left out). */
const RAW_FIELDS = [
  'user_id',
  'session_id',
  'referrer',
  'referrer_host',
  'title',
  'properties',
  'element',
  'screen_width',
  'screen_height',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device',
  'country',
  'region',
  'city',
  'ip_prefix',
] as const satisfies ReadonlyArray<keyof TrackedEvent>;
export type RawFields = Pick<TrackedEvent, (typeof RAW_FIELDS)[number]>;

/** The user id itself is never kept (only that there was one: it equals the visitor id). */
function rawOf(event: TrackedEvent): string {
  const raw: Record<string, unknown> = {};
  for (const field of RAW_FIELDS)
    if (event[field] !== null) raw[field] = field === 'user_id' ? true : event[field];
  return JSON.stringify(raw);
}

/** The timeline fields back; `user_id` is '' when the event had one (the caller knows which). */
export function rawFieldsOf(json: string): RawFields {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const fields = Object.fromEntries(
    RAW_FIELDS.map((f) => [f, raw[f] ?? null]),
  ) as unknown as RawFields;
  return { ...fields, user_id: raw.user_id ? '' : null };
}

export function appendEvent(
  appender: DuckDBAppender,
  event: TrackedEvent,
  who: VisitorIdentity,
  visit: Visit,
): void {
  appender.appendVarchar(event.site_id);
  appender.appendBigInt(BigInt(event.timestamp));
  appender.appendBigInt(BigInt(event.received_at));
  appender.appendVarchar(event.event_id);
  appender.appendUHugeInt(who.key);
  appender.appendVarchar(visit.visitId);
  appender.appendUSmallInt(who.position.index);
  appender.appendUTinyInt(who.position.rank);
  appender.appendVarchar(event.event_type);
  appender.appendBoolean(event.event_type === PAGE_VIEW);
  appender.appendVarchar(event.page);
  text(appender, event.hostname);
  appender.appendBoolean(event.is_bot);
  if (event.scroll_depth === null) appender.appendNull();
  else appender.appendUTinyInt(event.scroll_depth);
  const props = propertyStrings(event.properties);
  if (props.length === 0) appender.appendNull();
  else appender.appendMap(mapValue(props));
  appender.appendVarchar(rawOf(event));
  appender.appendVarchar(visit.entry?.page ?? NONE);
  appendAttributes(appender, visit.attributes);
  appender.endRow();
}

export function appendVisit(appender: DuckDBAppender, visit: Visit, who: VisitorIdentity): void {
  appender.appendVarchar(visit.siteId);
  appender.appendVarchar(visit.visitId);
  appender.appendUHugeInt(who.key);
  appender.appendUSmallInt(who.position.index);
  appender.appendUTinyInt(who.position.rank);
  appender.appendBigInt(BigInt(visit.first.ts));
  appender.appendBigInt(BigInt(visit.last.ts));
  appender.appendVarchar(visit.first.eventId);
  appender.appendVarchar(visit.last.eventId);
  if (visit.entry) appender.appendBigInt(BigInt(visit.entry.ts));
  else appender.appendNull();
  text(appender, visit.entry?.eventId);
  if (visit.exit) appender.appendBigInt(BigInt(visit.exit.ts));
  else appender.appendNull();
  text(appender, visit.exit?.eventId);
  appender.appendInteger(visit.pageviews);
  appender.appendInteger(visit.events);
  appender.appendInteger(visit.interactions);
  appender.appendBoolean(visit.isBot);
  appender.appendVarchar(visit.entry?.page ?? NONE);
  appender.appendVarchar(visit.exit?.page ?? NONE);
  appendAttributes(appender, visit.attributes);
  appender.endRow();
}

/** The columns a stored visit is read back from, in `visitOfRow`'s order. */
export const VISIT_COLUMNS = [
  'site_id',
  'visit_id',
  'start_ts',
  'end_ts',
  'first_event_id',
  'last_event_id',
  'entry_ts',
  'entry_event_id',
  'visit_entry_page',
  'exit_ts',
  'exit_event_id',
  'visit_exit_page',
  'pageviews',
  'events',
  'interactions',
  'is_bot',
  ...VISIT_ATTRIBUTE_NAMES.map((n) => `visit_${n}`),
]
  .map((c) => `"${c}"`)
  .join(', ');

type Cell = unknown;

/** A stored visit back as the planner's Visit; its visitor id is the one the caller looked up. */
export function visitOfRow(row: readonly Cell[], visitorId: string): Visit {
  const num = (i: number): number => Number(row[i]);
  const str = (i: number): string => String(row[i]);
  const attributes = Object.fromEntries(
    VISIT_ATTRIBUTE_NAMES.map((name, i) => [name, str(16 + i)]),
  ) as unknown as VisitAttributes;
  return {
    siteId: str(0),
    visitorId,
    visitId: str(1),
    first: { ts: num(2), eventId: str(4) },
    last: { ts: num(3), eventId: str(5) },
    entry: row[6] === null ? null : { ts: num(6), eventId: str(7), page: str(8) },
    exit: row[9] === null ? null : { ts: num(9), eventId: str(10), page: str(11) },
    pageviews: num(12),
    events: num(13),
    interactions: num(14),
    isBot: row[15] === true,
    attributes,
  };
}
