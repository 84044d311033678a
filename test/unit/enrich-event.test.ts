import { describe, expect, it } from 'vitest';
import { ClickstreamError } from '../../src/domain/errors.js';
import type { TrackInput } from '../../src/domain/track-input.js';
import type { ClientAddress } from '../../src/ingest/client-details.js';
import {
  enrichEvent,
  type EnrichOptions,
  type RequestContext,
} from '../../src/ingest/enrich-event.js';
import { NOWHERE } from '../../src/ingest/geo-locator.js';
import { createVisitorHasher } from '../../src/ingest/visitor-id.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const HOUR = 3_600_000;
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

const options: EnrichOptions = {
  defaultSiteId: 'default',
  maxEventAgeMs: 168 * HOUR,
  maxClockSkewMs: 300_000,
  ipStorage: 'truncate',
  visitorHash: createVisitorHasher('unit-test-secret-0123456789'),
};
const context: RequestContext = { ip: '198.51.100.23', userAgent: CHROME, receivedAt: NOW };
const input = (overrides: Partial<TrackInput> = {}): TrackInput => ({
  page_url: '/home',
  event_type: 'page_view',
  ...overrides,
});

function rejection(
  overrides: Partial<TrackInput>,
  opts: Partial<EnrichOptions> = {},
): ClickstreamError {
  try {
    enrichEvent(input(overrides), context, { ...options, ...opts });
  } catch (error) {
    if (error instanceof ClickstreamError) return error;
    throw error;
  }
  throw new Error('the event was accepted');
}

describe('enrichEvent: timestamp', () => {
  it('defaults to the time the request was received', () => {
    expect(enrichEvent(input(), context, options)).toMatchObject({
      timestamp: NOW,
      received_at: NOW,
    });
  });

  it.each([
    ['2026-03-01T11:59:00Z', NOW - 60_000],
    ['2026-03-01T11:59:00.250Z', NOW - 59_750],
    ['2026-03-01T12:59:00+01:00', NOW - 60_000],
    ['2026-03-01T06:59:00-05:00', NOW - 60_000],
  ])('accepts an ISO 8601 date-time with a zone: %s', (timestamp, expected) => {
    expect(enrichEvent(input({ timestamp }), context, options).timestamp).toBe(expected);
  });

  it('accepts epoch milliseconds', () => {
    expect(enrichEvent(input({ timestamp: NOW - 5_000 }), context, options).timestamp).toBe(
      NOW - 5_000,
    );
  });

  it.each([
    '2026-03-01T11:59:00',
    '2026-03-01',
    'yesterday',
    '1772366340000',
    '2026-13-01T00:00:00Z',
  ])('refuses %j', (timestamp) => {
    expect(rejection({ timestamp })).toMatchObject({ code: 'INVALID_EVENT', field: 'timestamp' });
  });

  it('accepts a timestamp within the clock skew, refuses one beyond it', () => {
    expect(enrichEvent(input({ timestamp: NOW + 300_000 }), context, options).timestamp).toBe(
      NOW + 300_000,
    );
    expect(rejection({ timestamp: NOW + 300_001 })).toMatchObject({
      field: 'timestamp',
      message: expect.stringContaining('future'),
    });
    expect(rejection({ timestamp: '2026-03-02T12:00:00Z' })).toMatchObject({ field: 'timestamp' });
  });

  it('accepts a timestamp up to the maximum age, refuses an older one', () => {
    expect(enrichEvent(input({ timestamp: NOW - 168 * HOUR }), context, options).timestamp).toBe(
      NOW - 168 * HOUR,
    );
    expect(rejection({ timestamp: NOW - 168 * HOUR - 1 })).toMatchObject({
      field: 'timestamp',
      message: expect.stringContaining('older'),
    });
    expect(rejection({ timestamp: 0 })).toMatchObject({ field: 'timestamp' });
  });
});

describe('enrichEvent: fields', () => {
  it.each([
    ['pageview', 'page_view'],
    ['PageView', 'page_view'],
    ['page_view', 'page_view'],
    ['Click', 'click'],
    ['signup', 'signup'],
  ])('event_type %s becomes %s', (eventType, expected) => {
    expect(enrichEvent(input({ event_type: eventType }), context, options).event_type).toBe(
      expected,
    );
  });

  it('fills event_id, site and the parsed page', () => {
    const event = enrichEvent(
      input({ page_url: 'https://example.com/blog/post-1/?utm_source=news' }),
      context,
      options,
    );
    expect(event.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event).toMatchObject({
      site_id: 'default',
      page: '/blog/post-1',
      hostname: 'example.com',
      utm_source: 'news',
    });
    expect(
      enrichEvent(input({ event_id: 'client-chosen-1', site_id: 'shop' }), context, options),
    ).toMatchObject({ event_id: 'client-chosen-1', site_id: 'shop' });
  });

  it('uses user_id as the visitor, or a daily hash without it', () => {
    expect(enrichEvent(input({ user_id: 'user-42' }), context, options)).toMatchObject({
      visitor_id: 'user-42',
      user_id: 'user-42',
    });
    const anonymous = enrichEvent(input(), context, options);
    expect(anonymous.user_id).toBeNull();
    expect(anonymous.visitor_id).toMatch(/^h:/);
  });

  it('reads the agent from the body first, else from the request', () => {
    expect(enrichEvent(input(), context, options)).toMatchObject({
      browser: 'Chrome',
      os: 'Windows',
      device: 'desktop',
      is_bot: false,
    });
    expect(enrichEvent(input({ user_agent: 'Mozilla/5.0' }), context, options)).toMatchObject({
      is_bot: true,
    });
  });

  it('takes ip_address from the body over the request address', () => {
    expect(enrichEvent(input({ ip_address: '192.168.1.1' }), context, options).ip_prefix).toBe(
      '192.168.1.0',
    );
    expect(enrichEvent(input(), context, options).ip_prefix).toBe('198.51.100.0');
  });

  it('refuses an ip_address that is not an address', () => {
    expect(rejection({ ip_address: '192.168.1' })).toMatchObject({
      code: 'INVALID_EVENT',
      field: 'ip_address',
    });
    expect(rejection({ ip_address: 'localhost' })).toMatchObject({ field: 'ip_address' });
  });

  it('keeps no address at all with IP_STORAGE=none', () => {
    expect(
      enrichEvent(input({ ip_address: '192.168.1.1' }), context, { ...options, ipStorage: 'none' })
        .ip_prefix,
    ).toBeNull();
  });

  it('never lets the raw address into the event', () => {
    for (const [ip, inBody] of [
      ['203.0.113.77', true],
      ['203.0.113.77', false],
      ['2001:db8:1234:5678:9abc:def0:1234:5678', true],
    ] as const) {
      const event = enrichEvent(
        input(inBody ? { ip_address: ip } : {}),
        inBody ? context : { ...context, ip },
        options,
      );
      const json = JSON.stringify(event);
      expect(json).not.toContain(ip);
      expect(json).not.toContain('ip_address');
    }
  });

  it('normalises the clicked element', () => {
    const event = enrichEvent(
      input({
        page_url: 'https://example.com/a',
        event_type: 'click',
        element: {
          tag: 'A',
          classes: ' btn  primary ',
          text: '  Buy\n now ',
          href: 'https://other.example/x',
        },
      }),
      context,
      options,
    );
    expect(event.element).toEqual({
      tag: 'a',
      id: null,
      classes: ['btn', 'primary'],
      text: 'Buy now',
      href: 'https://other.example/x',
      outbound: true,
    });
    const inbound = enrichEvent(
      input({ page_url: 'https://example.com/a', element: { href: 'https://example.com/b' } }),
      context,
      options,
    );
    expect(inbound.element?.outbound).toBe(false);
  });

  it('keeps the referrer and its host', () => {
    expect(
      enrichEvent(input({ referrer: 'https://www.google.com/search?q=x' }), context, options),
    ).toMatchObject({
      referrer: 'https://www.google.com/search?q=x',
      referrer_host: 'google.com',
    });
    expect(enrichEvent(input({ referrer: '' }), context, options)).toMatchObject({
      referrer: null,
      referrer_host: null,
    });
  });
});

describe('enrichEvent: enrichment for the general query', () => {
  it('fills UTM content and term, the browser major version and the OS version', () => {
    const event = enrichEvent(
      input({ page_url: '/p?utm_source=ads&utm_content=banner-2&utm_term=red%20shoes' }),
      context,
      options,
    );
    expect(event).toMatchObject({
      utm_source: 'ads',
      utm_content: 'banner-2',
      utm_term: 'red shoes',
      browser: 'Chrome',
      browser_version: '124',
      os: 'Windows',
      os_version: '10',
    });
    expect(enrichEvent(input(), context, options)).toMatchObject({
      utm_content: null,
      utm_term: null,
    });
  });

  it('has no place without a geolocation database', () => {
    expect(enrichEvent(input({ ip_address: '8.8.8.8' }), context, options)).toMatchObject({
      country: null,
      region: null,
      city: null,
    });
  });

  const geo = {
    open: () => Promise.resolve(),
    locate: (address: ClientAddress) =>
      address.ip === '8.8.8.8'
        ? { country: 'US', region: 'California', city: 'Mountain View' }
        : NOWHERE,
  };

  it('looks the place up from the full address, then keeps only the prefix', () => {
    const seen: string[] = [];
    const spy = {
      ...geo,
      locate: (address: ClientAddress) => (seen.push(address.ip), geo.locate(address)),
    };
    const event = enrichEvent(input({ ip_address: '8.8.8.8' }), context, { ...options, geo: spy });
    expect(seen).toEqual(['8.8.8.8']);
    expect(event).toMatchObject({
      country: 'US',
      region: 'California',
      city: 'Mountain View',
      ip_prefix: '8.8.8.0',
    });
    expect(JSON.stringify(event)).not.toContain('8.8.8.8');
  });

  it('uses the request address (what Fastify resolved) when the event has none, in IPv4 form when mapped', () => {
    expect(
      enrichEvent(input(), { ...context, ip: '::ffff:8.8.8.8' }, { ...options, geo }),
    ).toMatchObject({ country: 'US', ip_prefix: '8.8.8.0' });
  });

  it('still places the event with IP_STORAGE=none, which keeps no address', () => {
    expect(
      enrichEvent(input({ ip_address: '8.8.8.8' }), context, {
        ...options,
        geo,
        ipStorage: 'none',
      }),
    ).toMatchObject({ country: 'US', ip_prefix: null });
  });
});
