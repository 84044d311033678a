import { describe, expect, it } from 'vitest';
import { ADDED_FIELDS } from '../../src/domain/tracked-event.js';
import {
  decodePageBody,
  decodeScanBody,
  encodeScanBody,
} from '../../src/store/cassandra/scan-body.js';
import { makeEvent } from '../support/events.js';

const event = makeEvent({
  site_id: 'site-a',
  visitor_id: 'v-1',
  event_type: 'click',
  page: '/pricing',
  is_bot: true,
  scroll_depth: 40,
  properties: { plan: 'pro' },
  utm_source: 'news',
  country: 'DE',
});
// What a query reads of a stored event (the rest is left null in a scan body).
const QUERIED = [
  'event_id',
  'site_id',
  'visitor_id',
  'event_type',
  'page',
  'timestamp',
  'is_bot',
  'scroll_depth',
  'properties',
  'utm_source',
  'device',
  'browser',
  'os',
  'country',
] as const;
const queried = (e: ReturnType<typeof makeEvent>) =>
  Object.fromEntries(QUERIED.map((field) => [field, e[field]]));

describe('scan body (events_by_site and events_by_page rows)', () => {
  it('gives back every field a query reads', () => {
    expect(queried(decodeScanBody('site-a', encodeScanBody(event)))).toEqual(queried(event));
  });

  it('reads an events_by_page row in either form: the scan body, or the full event of older rows', () => {
    expect(queried(decodePageBody('site-a', encodeScanBody(event)))).toEqual(queried(event));
    expect(decodePageBody('site-a', JSON.stringify(event))).toEqual(event);
    // A row from before the added fields: they come back null, not missing.
    const old: Record<string, unknown> = { ...event };
    for (const field of ADDED_FIELDS) delete old[field];
    expect(decodePageBody('site-a', JSON.stringify(old))).toEqual({
      ...event,
      ...Object.fromEntries(ADDED_FIELDS.map((field) => [field, null])),
    });
  });
});
