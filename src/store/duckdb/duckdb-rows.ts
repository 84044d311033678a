import { mapValue, type DuckDBAppender } from '@duckdb/node-api';
import { createHmac } from 'node:crypto';
import { HyperLogLog } from '../../domain/hyperloglog.js';
import { NONE } from '../../domain/stats/query-model.js';
import { PAGE_VIEW, type TrackedEvent } from '../../domain/tracked-event.js';
import { VISIT_ATTRIBUTE_NAMES, type VisitAttributes } from '../../domain/visit-attributes.js';
import type { Visit } from '../../domain/visits.js';

/**
 * Row writers and readers for the DuckDB tables (duckdb-schema.ts), in column order. A visitor
 * is stored as a keyed hash (visitorKey): the id itself never reaches the file.
 */
export type VisitorKeyer = (siteId: string, visitorId: string) => bigint;

export function createVisitorKeyer(secret: string): VisitorKeyer {
  return (siteId, visitorId) => {
    const digest = createHmac('sha256', secret).update(siteId).update('\u0000').update(visitorId).digest();
    return digest.readBigUInt64BE(0) * 2n ** 64n + digest.readBigUInt64BE(8);
  };
}

const text = (appender: DuckDBAppender, value: string | null | undefined): void => {
  if (value === null || value === undefined) appender.appendNull();
  else appender.appendVarchar(value);
};
const integer = (appender: DuckDBAppender, value: number | null): void => {
  if (value === null) appender.appendNull();
  else appender.appendInteger(value);
};

function appendAttributes(appender: DuckDBAppender, attributes: VisitAttributes): void {
  for (const name of VISIT_ATTRIBUTE_NAMES) appender.appendVarchar(attributes[name]);
}

/** Property values as the strings queries compare (`true`, `12.5`); null values are left out. */
export function propertyStrings(properties: TrackedEvent['properties']): Array<{ key: string; value: string }> {
  if (!properties) return [];
  const entries: Array<{ key: string; value: string }> = [];
  for (const [key, value] of Object.entries(properties)) {
    if (typeof value === 'string') entries.push({ key, value });
    else if (typeof value === 'number' || typeof value === 'boolean') entries.push({ key, value: String(value) });
    else if (value !== null && value !== undefined) entries.push({ key, value: JSON.stringify(value) });
  }
  return entries;
}

export function appendEvent(appender: DuckDBAppender, event: TrackedEvent, visitorKey: bigint, visit: Visit): void {
  const position = HyperLogLog.position(event.visitor_id);
  appender.appendVarchar(event.site_id);
  appender.appendBigInt(BigInt(event.timestamp));
  appender.appendBigInt(BigInt(event.received_at));
  appender.appendVarchar(event.event_id);
  appender.appendUHugeInt(visitorKey);
  appender.appendBoolean(event.user_id !== null);
  appender.appendVarchar(visit.visitId);
  appender.appendUSmallInt(position.index);
  appender.appendUTinyInt(position.rank);
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
  text(appender, event.properties ? JSON.stringify(event.properties) : null);
  text(appender, event.session_id);
  text(appender, event.referrer);
  text(appender, event.referrer_host);
  text(appender, event.title);
  text(appender, event.element ? JSON.stringify(event.element) : null);
  integer(appender, event.screen_width);
  integer(appender, event.screen_height);
  text(appender, event.utm_source);
  text(appender, event.utm_medium);
  text(appender, event.utm_campaign);
  text(appender, event.utm_content);
  text(appender, event.utm_term);
  appender.appendVarchar(event.browser);
  text(appender, event.browser_version);
  appender.appendVarchar(event.os);
  text(appender, event.os_version);
  appender.appendVarchar(event.device);
  text(appender, event.country);
  text(appender, event.region);
  text(appender, event.city);
  text(appender, event.ip_prefix);
  appender.appendVarchar(visit.entry?.page ?? NONE);
  appendAttributes(appender, visit.attributes);
  appender.endRow();
}

export function appendVisit(appender: DuckDBAppender, visit: Visit, visitorKey: bigint): void {
  const position = HyperLogLog.position(visit.visitorId);
  appender.appendVarchar(visit.siteId);
  appender.appendVarchar(visit.visitId);
  appender.appendUHugeInt(visitorKey);
  appender.appendUSmallInt(position.index);
  appender.appendUTinyInt(position.rank);
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
  'site_id', 'visit_id', 'start_ts', 'end_ts', 'first_event_id', 'last_event_id', 'entry_ts', 'entry_event_id', 'visit_entry_page',
  'exit_ts', 'exit_event_id', 'visit_exit_page', 'pageviews', 'events', 'interactions', 'is_bot',
  ...VISIT_ATTRIBUTE_NAMES.map((n) => `visit_${n}`),
].map((c) => `"${c}"`).join(', ');

type Cell = unknown;

/** A stored visit back as the planner's Visit; its visitor id is the one the caller looked up. */
export function visitOfRow(row: readonly Cell[], visitorId: string): Visit {
  const num = (i: number): number => Number(row[i]);
  const str = (i: number): string => String(row[i]);
  const attributes = Object.fromEntries(VISIT_ATTRIBUTE_NAMES.map((name, i) => [name, str(16 + i)])) as unknown as VisitAttributes;
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
