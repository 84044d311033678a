import type { TrackedEvent } from '../../domain/tracked-event.js';

/** The raw columns a stored event is given back from (the visitor timeline), in `eventOfRow`'s order. */
const COLUMNS = [
  'event_id', 'site_id', 'has_user_id', 'event_type', 'page', 'hostname', 'ts', 'received_at', 'session_id', 'referrer',
  'referrer_host', 'title', 'properties', 'element', 'scroll_depth', 'screen_width', 'screen_height',
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term',
  'browser', 'browser_version', 'os', 'os_version', 'device', 'country', 'region', 'city', 'ip_prefix', 'is_bot',
] as const;
export const EVENT_COLUMNS = COLUMNS.map((c) => `"${c}"`).join(', ');

type Column = (typeof COLUMNS)[number];

/**
 * A stored event as it was ingested. The store keeps the visitor as a keyed hash only, so the
 * visitor id is the one the caller asked for; `user_id` is that id when the client had sent one.
 */
export function eventOfRow(row: readonly unknown[], visitorId: string): TrackedEvent {
  const cell = (name: Column): unknown => row[COLUMNS.indexOf(name)];
  const text = (name: Column): string | null => (cell(name) === null ? null : String(cell(name)));
  const num = (name: Column): number | null => (cell(name) === null ? null : Number(cell(name)));
  const json = <T>(name: Column): T | null => (cell(name) === null ? null : (JSON.parse(String(cell(name))) as T));
  return {
    event_id: text('event_id')!,
    site_id: text('site_id')!,
    visitor_id: visitorId,
    user_id: cell('has_user_id') === true ? visitorId : null,
    event_type: text('event_type')!,
    page: text('page')!,
    hostname: text('hostname'),
    timestamp: num('ts')!,
    received_at: num('received_at')!,
    session_id: text('session_id'),
    referrer: text('referrer'),
    referrer_host: text('referrer_host'),
    title: text('title'),
    properties: json<Record<string, unknown>>('properties'),
    element: json<TrackedEvent['element']>('element'),
    scroll_depth: num('scroll_depth'),
    screen_width: num('screen_width'),
    screen_height: num('screen_height'),
    utm_source: text('utm_source'),
    utm_medium: text('utm_medium'),
    utm_campaign: text('utm_campaign'),
    utm_content: text('utm_content'),
    utm_term: text('utm_term'),
    browser: text('browser')!,
    browser_version: text('browser_version'),
    os: text('os')!,
    os_version: text('os_version'),
    device: text('device')!,
    country: text('country'),
    region: text('region'),
    city: text('city'),
    ip_prefix: text('ip_prefix'),
    is_bot: cell('is_bot') === true,
  };
}
