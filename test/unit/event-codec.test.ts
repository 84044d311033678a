import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../../src/domain/event-codec.js';
import { ADDED_FIELDS } from '../../src/domain/tracked-event.js';
import { makeEvent } from '../support/events.js';

describe('event codec', () => {
  it('round-trips an event', () => {
    const event = makeEvent({ country: 'DE', city: 'Berlin', browser_version: '128' });
    expect(decodeEvent(encodeEvent(event))).toEqual({ ok: true, event });
  });

  it('reads a record written before the added fields existed, filling them with null', () => {
    const event = makeEvent();
    const old: Record<string, unknown> = { ...event };
    for (const field of ADDED_FIELDS) delete old[field];
    const decoded = decodeEvent(Buffer.from(JSON.stringify(old)));
    expect(decoded).toEqual({ ok: true, event });
  });

  it('reports a record that is not an event', () => {
    expect(decodeEvent(Buffer.from('{"event_id":1}'))).toMatchObject({ ok: false });
    expect(decodeEvent(Buffer.from('not json'))).toMatchObject({ ok: false, reason: expect.stringContaining('not JSON') });
    expect(decodeEvent(Buffer.from(JSON.stringify({ ...makeEvent(), country: 'DEU' })))).toMatchObject({ ok: false, reason: expect.stringContaining('country') });
  });
});
