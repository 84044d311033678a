import { Compile } from 'typebox/compile';
import { TrackedEventWireSchema, type TrackedEvent } from './tracked-event.js';

const checker = Compile(TrackedEventWireSchema);

/** The log key keeps one visitor's events on one partition, in order. */
export function logKey(event: Pick<TrackedEvent, 'site_id' | 'visitor_id'>): string {
  return `${event.site_id}:${event.visitor_id}`;
}

/**
 * The log record of an event: its JSON, without the fields that are null (decodeEvent gives them
 * back), which makes a record about a third shorter: less to write, fsync, send and parse.
 */
export function encodeEvent(event: TrackedEvent): Buffer {
  return Buffer.from(eventJson(event));
}

/**
 * The event as JSON text, written field by field: most fields are short strings that need no
 * escaping, which this checks for and skips, so it does a fraction of JSON.stringify's work on the
 * same object. Field order is the schema's; a test holds the two to the same set of fields.
 */
export function eventJson(e: TrackedEvent): string {
  return (
    `{"event_id":${text(e.event_id)},"site_id":${text(e.site_id)},"visitor_id":${text(e.visitor_id)}${optionalText('user_id', e.user_id)}` +
    `,"event_type":${text(e.event_type)},"page":${text(e.page)}${optionalText('hostname', e.hostname)}` +
    `,"timestamp":${e.timestamp},"received_at":${e.received_at}${optionalText('session_id', e.session_id)}` +
    `${optionalText('referrer', e.referrer)}${optionalText('referrer_host', e.referrer_host)}${optionalText('title', e.title)}` +
    (e.properties === null ? '' : `,"properties":${JSON.stringify(e.properties)}`) +
    (e.element === null ? '' : `,"element":${JSON.stringify(e.element)}`) +
    `${optionalNumber('scroll_depth', e.scroll_depth)}${optionalNumber('screen_width', e.screen_width)}${optionalNumber('screen_height', e.screen_height)}` +
    `${optionalText('utm_source', e.utm_source)}${optionalText('utm_medium', e.utm_medium)}${optionalText('utm_campaign', e.utm_campaign)}` +
    `${optionalText('utm_content', e.utm_content)}${optionalText('utm_term', e.utm_term)}` +
    `,"browser":${text(e.browser)},"os":${text(e.os)},"device":${text(e.device)}${optionalText('ip_prefix', e.ip_prefix)},"is_bot":${e.is_bot}` +
    `${optionalText('browser_version', e.browser_version)}${optionalText('os_version', e.os_version)}` +
    `${optionalText('country', e.country)}${optionalText('region', e.region)}${optionalText('city', e.city)}}`
  );
}

/** What JSON must escape: quotes, backslashes, control characters, and (for lone ones) surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function text(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function optionalText(name: string, value: string | null): string {
  return value === null ? '' : `,"${name}":${text(value)}`;
}

function optionalNumber(name: string, value: number | null): string {
  return value === null ? '' : `,"${name}":${value}`;
}

export type DecodeResult = { ok: true; event: TrackedEvent } | { ok: false; reason: string };

/**
 * Decodes a log record's value; a record that is not a well-formed event is reported, not thrown.
 * Reads every record ever written: with all fields (older records, outside producers), without
 * the fields added later, and without null fields (encodeEvent). The event is built field by field
 * in the schema's order, so every event the processor handles has the same shape.
 */
export function decodeEvent(value: Uint8Array): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'),
    );
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (checker.Check(parsed)) return { ok: true, event: canonical(parsed as WireEvent) };
  const first = checker.Errors(parsed)[0];
  const where = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : 'event';
  return { ok: false, reason: `${where} ${first?.message ?? 'is not a valid event'}` };
}

/**
 * An event this system stored as JSON (eventJson's text, or JSON.stringify's from before, with or
 * without the fields added later), back in its full shape: the missing fields are null. Not for
 * text from outside: it is not checked against the schema (decodeEvent is).
 */
export function storedEvent(text: string): TrackedEvent {
  return canonical(JSON.parse(text) as WireEvent);
}

/** A record as the wire schema admits it: the fields that may be null may also be missing. */
type WireEvent = Partial<TrackedEvent> &
  Pick<
    TrackedEvent,
    | 'event_id'
    | 'site_id'
    | 'visitor_id'
    | 'event_type'
    | 'page'
    | 'timestamp'
    | 'received_at'
    | 'browser'
    | 'os'
    | 'device'
    | 'is_bot'
  >;

function canonical(w: WireEvent): TrackedEvent {
  return {
    event_id: w.event_id,
    site_id: w.site_id,
    visitor_id: w.visitor_id,
    user_id: w.user_id ?? null,
    event_type: w.event_type,
    page: w.page,
    hostname: w.hostname ?? null,
    timestamp: w.timestamp,
    received_at: w.received_at,
    session_id: w.session_id ?? null,
    referrer: w.referrer ?? null,
    referrer_host: w.referrer_host ?? null,
    title: w.title ?? null,
    properties: w.properties ?? null,
    element: w.element ?? null,
    scroll_depth: w.scroll_depth ?? null,
    screen_width: w.screen_width ?? null,
    screen_height: w.screen_height ?? null,
    utm_source: w.utm_source ?? null,
    utm_medium: w.utm_medium ?? null,
    utm_campaign: w.utm_campaign ?? null,
    utm_content: w.utm_content ?? null,
    utm_term: w.utm_term ?? null,
    browser: w.browser,
    browser_version: w.browser_version ?? null,
    os: w.os,
    os_version: w.os_version ?? null,
    device: w.device,
    country: w.country ?? null,
    region: w.region ?? null,
    city: w.city ?? null,
    ip_prefix: w.ip_prefix ?? null,
    is_bot: w.is_bot,
  } satisfies { [K in keyof TrackedEvent]-?: TrackedEvent[K] };
}
