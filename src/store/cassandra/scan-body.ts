import { storedEvent } from '../../domain/event-codec.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';

/**
 * The body of an events_by_site and an events_by_page row: only what the general query reads
 * (the event's own values and what its visit's attributes are worked out from), as a JSON array
 * in a fixed order. Queries parse every row of a range, and an array without keys is about half
 * the bytes and half the parse of the full event; the visitor timeline reads the full event from
 * events_by_visitor.
 */
const FIELDS = [
  'timestamp',
  'event_id',
  'visitor_id',
  'event_type',
  'page',
  'hostname',
  'is_bot',
  'scroll_depth',
  'properties',
  'referrer',
  'referrer_host',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'device',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'country',
  'region',
  'city',
] as const satisfies ReadonlyArray<keyof TrackedEvent>;

export function encodeScanBody(event: TrackedEvent): string {
  return JSON.stringify(FIELDS.map((field) => event[field] ?? null));
}

type Cell = string | number | boolean | null;
const text = (v: Cell | undefined): string | null => (typeof v === 'string' ? v : null);

/** The event back, with the fields queries never read left null (title, element, screen, user and session ids, ip prefix). */
export function decodeScanBody(siteId: string, body: string): TrackedEvent {
  const v = JSON.parse(body) as Cell[];
  const timestamp = v[0] as number;
  return {
    event_id: v[1] as string,
    site_id: siteId,
    visitor_id: v[2] as string,
    user_id: null,
    event_type: v[3] as string,
    page: v[4] as string,
    hostname: text(v[5]),
    timestamp,
    received_at: timestamp,
    session_id: null,
    referrer: text(v[9]),
    referrer_host: text(v[10]),
    title: null,
    properties: (v[8] ?? null) as TrackedEvent['properties'],
    element: null,
    scroll_depth: (v[7] ?? null) as number | null,
    screen_width: null,
    screen_height: null,
    utm_source: text(v[11]),
    utm_medium: text(v[12]),
    utm_campaign: text(v[13]),
    utm_content: text(v[14]),
    utm_term: text(v[15]),
    device: v[16] as string,
    browser: v[17] as string,
    browser_version: text(v[18]),
    os: v[19] as string,
    os_version: text(v[20]),
    country: text(v[21]),
    region: text(v[22]),
    city: text(v[23]),
    ip_prefix: null,
    is_bot: v[6] === true,
  };
}

/**
 * An events_by_page body: the scan body, or, in a row written before 2026-12-02, the full event
 * as a JSON object (the same column; rows age out with the raw-event retention).
 */
export function decodePageBody(siteId: string, body: string): TrackedEvent {
  return body.startsWith('[') ? decodeScanBody(siteId, body) : storedEvent(body);
}
