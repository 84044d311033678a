import { Compile } from 'typebox/compile';
import { ADDED_FIELDS, TrackedEventWireSchema, type TrackedEvent } from './tracked-event.js';

const checker = Compile(TrackedEventWireSchema);

/** The log key keeps one visitor's events on one partition, in order. */
export function logKey(event: Pick<TrackedEvent, 'site_id' | 'visitor_id'>): string {
  return `${event.site_id}:${event.visitor_id}`;
}

export function encodeEvent(event: TrackedEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

export type DecodeResult = { ok: true; event: TrackedEvent } | { ok: false; reason: string };

/** Decodes a log record's value; a record that is not a well-formed event is reported, not thrown. */
export function decodeEvent(value: Uint8Array): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (checker.Check(parsed)) {
    const event = parsed as Record<string, unknown>;
    for (const field of ADDED_FIELDS) event[field] ??= null;
    return { ok: true, event: event as TrackedEvent };
  }
  const first = checker.Errors(parsed)[0];
  const where = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : 'event';
  return { ok: false, reason: `${where} ${first?.message ?? 'is not a valid event'}` };
}
