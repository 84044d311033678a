import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, eventJson, storedEvent } from '../../src/domain/event-codec.js';
import {
  ADDED_FIELDS,
  TrackedEventSchema,
  type TrackedEvent,
} from '../../src/domain/tracked-event.js';
import { makeEvent } from '../support/events.js';

const FULL: TrackedEvent = makeEvent({
  user_id: 'u-1',
  hostname: 'example.com',
  session_id: 's-1',
  referrer: 'https://www.google.com/?q="x"',
  referrer_host: 'google.com',
  title: 'Tab\there, "quoted" \\ back',
  properties: { plan: 'pro', value: 3, ok: true, none: null },
  element: { tag: 'a', id: null, classes: ['x'], text: 'Go', href: '/b', outbound: false },
  scroll_depth: 50,
  screen_width: 1440,
  screen_height: 900,
  utm_source: 'news',
  utm_medium: 'email',
  utm_campaign: 'launch',
  utm_content: 'hero',
  utm_term: 'shoes',
  browser_version: '131',
  os_version: '10.15.7',
  country: 'DE',
  region: 'Bavaria',
  city: 'München',
  ip_prefix: '5.9.0.0',
});

describe('event codec', () => {
  it('round-trips an event', () => {
    const event = makeEvent({ country: 'DE', city: 'Berlin', browser_version: '128' });
    expect(decodeEvent(encodeEvent(event))).toEqual({ ok: true, event });
    expect(decodeEvent(encodeEvent(FULL))).toEqual({ ok: true, event: FULL });
  });

  it('writes every field of the schema, and no other', () => {
    expect(Object.keys(JSON.parse(eventJson(FULL))).sort()).toEqual(
      Object.keys(TrackedEventSchema.properties).sort(),
    );
    expect(Object.values(FULL).every((v) => v !== null)).toBe(true);
  });

  it('leaves out the null fields, and writes what JSON.stringify writes for the rest', () => {
    const event = makeEvent();
    const written = JSON.parse(eventJson(event));
    expect(Object.values(written)).not.toContain(null);
    expect(written).toEqual(
      Object.fromEntries(Object.entries(event).filter(([, v]) => v !== null)),
    );
    expect(JSON.parse(eventJson(FULL))).toEqual(JSON.parse(JSON.stringify(FULL)));
  });

  it('reads back any text as JSON.stringify would have carried it: escapes, emoji and lone surrogates included', () => {
    const loneSurrogates = fc.string({
      unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)),
      maxLength: 6,
    });
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      loneSurrogates,
      fc.constantFrom('"', '\\', '\n', '\u0000', '</script>'),
    );
    fc.assert(
      fc.property(anyText, anyText, fc.option(anyText), (title, page, city) => {
        const event = makeEvent({ title, page: `/${page}`, city });
        const before = JSON.parse(Buffer.from(JSON.stringify(event)).toString('utf8'));
        expect(decodeEvent(encodeEvent(event))).toEqual({ ok: true, event: before });
      }),
      { numRuns: 500 },
    );
  });

  it('gives every decoded event the same shape, whatever the record left out', () => {
    const shapes = new Set(
      [makeEvent(), FULL].map((e) => {
        const decoded = decodeEvent(encodeEvent(e));
        return decoded.ok ? Object.keys(decoded.event).join() : '';
      }),
    );
    expect(shapes.size).toBe(1);
  });

  it('reads a record written with every field, nulls included (older ingest, outside producers)', () => {
    const event = makeEvent({ country: 'FR' });
    expect(decodeEvent(Buffer.from(JSON.stringify(event)))).toEqual({ ok: true, event });
  });

  it('reads a record written before the added fields existed, filling them with null', () => {
    const event = makeEvent();
    const old: Record<string, unknown> = { ...event };
    for (const field of ADDED_FIELDS) delete old[field];
    const decoded = decodeEvent(Buffer.from(JSON.stringify(old)));
    expect(decoded).toEqual({ ok: true, event });
  });

  it('gives a stored body back in full: eventJson text, JSON.stringify text, and text from before the added fields', () => {
    const sparse = makeEvent();
    expect(storedEvent(eventJson(sparse))).toEqual(sparse);
    expect(storedEvent(eventJson(FULL))).toEqual(FULL);
    expect(storedEvent(JSON.stringify(FULL))).toEqual(FULL);
    const old: Record<string, unknown> = { ...sparse };
    for (const field of ADDED_FIELDS) delete old[field];
    expect(storedEvent(JSON.stringify(old))).toEqual(sparse);
    // Every field present, whatever the text held.
    expect(Object.keys(storedEvent(eventJson(sparse))).sort()).toEqual(
      Object.keys(TrackedEventSchema.properties).sort(),
    );
  });

  it('reads a value that is a view into a larger buffer (a record batch)', () => {
    const event = makeEvent({ city: 'Köln' });
    const record = encodeEvent(event);
    const batch = Buffer.concat([Buffer.from('xx'), record, Buffer.from('yy')]);
    expect(decodeEvent(batch.subarray(2, 2 + record.length))).toEqual({ ok: true, event });
  });

  it('reports a record that is not an event', () => {
    expect(decodeEvent(Buffer.from('{"event_id":1}'))).toMatchObject({ ok: false });
    expect(decodeEvent(Buffer.from('not json'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not JSON'),
    });
    expect(
      decodeEvent(Buffer.from(JSON.stringify({ ...makeEvent(), country: 'DEU' }))),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('country') });
    const noBrowser: Partial<TrackedEvent> = makeEvent();
    delete noBrowser.browser;
    expect(decodeEvent(Buffer.from(JSON.stringify(noBrowser)))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('browser'),
    });
  });
});
