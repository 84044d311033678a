import type { TrackedEvent } from '../../domain/tracked-event.js';
import { rawFieldsOf } from './duckdb-rows.js';

/** The columns a stored event is given back from (the visitor timeline), in `eventOfRow`'s order. */
export const EVENT_COLUMNS = [
  'event_id',
  'site_id',
  'event_type',
  'page',
  'hostname',
  'ts',
  'received_at',
  'scroll_depth',
  'is_bot',
  'raw',
]
  .map((c) => `"${c}"`)
  .join(', ');

/**
 * A stored event as it was ingested. The store keeps the visitor as a keyed hash only, so the
 * visitor id is the one the caller asked for; `user_id` is that id when the client had sent one.
 */
export function eventOfRow(row: readonly unknown[], visitorId: string): TrackedEvent {
  const [eventId, siteId, eventType, page, hostname, ts, receivedAt, scrollDepth, isBot, raw] = row;
  const fields = rawFieldsOf(raw as string);
  return {
    ...fields,
    event_id: eventId as string,
    site_id: siteId as string,
    visitor_id: visitorId,
    user_id: fields.user_id === null ? null : visitorId,
    event_type: eventType as string,
    page: page as string,
    hostname: typeof hostname === 'string' ? hostname : null,
    timestamp: Number(ts),
    received_at: Number(receivedAt),
    scroll_depth: scrollDepth === null ? null : Number(scrollDepth),
    browser: fields.browser ?? '',
    os: fields.os ?? '',
    device: fields.device ?? '',
    is_bot: isBot === true,
  };
}
