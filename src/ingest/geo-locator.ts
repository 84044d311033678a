import { LRUCache } from 'lru-cache';
import maxmind, { type CityResponse, type Reader } from 'maxmind';
import { BlockList } from 'node:net';
import type { Logger } from 'pino';
import type { ClientAddress } from './client-details.js';

export interface GeoLocation {
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  /** The first-level subdivision (state, region) as the database names it. */
  region: string | null;
  city: string | null;
}

/** Where a client address is: looked up at ingest from a local database, never over the network. */
export interface GeoLocator {
  /** Loads the databases; lookups wait for it (the ingest service awaits it before the first event). */
  open(): Promise<void>;
  locate(address: ClientAddress): GeoLocation;
}

export interface MmdbGeoOptions {
  /** An .mmdb file with IPv4 networks (or both, as MaxMind's own files have). */
  ipv4Path: string;
  /** An .mmdb file with IPv6 networks; may be the same file as ipv4Path. */
  ipv6Path: string;
  logger: Logger;
  /** Networks (/24, /48) whose answer is remembered. */
  cacheSize?: number;
}

export const NOWHERE: GeoLocation = Object.freeze({ country: null, region: null, city: null });
const NAME_LENGTH = 128;

/**
 * Addresses that belong to no place: private (RFC 1918, unique-local), loopback, link-local,
 * shared (CGNAT), documentation, benchmarking, multicast, reserved; and the IPv6 ranges that embed
 * or translate IPv4 (6to4, NAT64, Teredo), whose location is not theirs. IANA's special-purpose
 * registries. Every range is at least as wide as the cache's /24 or /48, so caching per network
 * stays exact. One list per family: a BlockList matches IPv4 addresses against IPv6 rules too
 * (as ::ffff:a.b.c.d), and ::/8 would then take in every IPv4 address.
 */
const SPECIAL_V4 = new BlockList();
const SPECIAL_V6 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  SPECIAL_V4.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 8],
  ['64:ff9b::', 32],
  ['100::', 8],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  SPECIAL_V6.addSubnet(net, bits, 'ipv6');
}

/** The answer for a network finer than the cache key: look each address up. */
const FINER = Symbol('finer');
type Cached = GeoLocation | typeof FINER;

/**
 * GeoLocator over MaxMind DB files (the DB-IP Lite files of @ip-location-db, or MaxMind's and
 * DB-IP's own city files: both record shapes are read). The files are read into memory once per
 * process on open(); a lookup walks the tree (a few microseconds), so answers are cached per /24
 * (IPv4) or /48 (IPv6) whenever the database's network for the address is at least that wide,
 * which holds for ~97 % of IPv4 space in DB-IP Lite; finer networks are looked up each time.
 */
export function createMmdbGeoLocator(options: MmdbGeoOptions): GeoLocator {
  const cache = new LRUCache<string, Cached>({ max: options.cacheSize ?? 50_000 });
  let v4: Reader<MmdbRecord> | null = null;
  let v6: Reader<MmdbRecord> | null = null;
  let opening: Promise<void> | null = null;

  const load = async (): Promise<void> => {
    try {
      const [first, second] = await Promise.all([
        openReader(options.ipv4Path),
        options.ipv6Path === options.ipv4Path ? null : openReader(options.ipv6Path),
      ]);
      v4 = first;
      v6 = second ?? first;
      options.logger.info(
        { ipv4: options.ipv4Path, ipv6: options.ipv6Path },
        'geolocation database loaded',
      );
    } catch (error) {
      // Ingest goes on without geography rather than refuse events: a place is an enrichment.
      options.logger.error(
        { err: error, ipv4: options.ipv4Path, ipv6: options.ipv6Path },
        'the geolocation database could not be read; events get no country',
      );
    }
  };

  return {
    open: () => (opening ??= load()),
    locate(address) {
      const reader = address.version === 4 ? v4 : v6;
      if (reader === null) return NOWHERE;
      const cached = cache.get(address.prefix);
      if (cached === FINER) return placeOf(reader.get(address.ip));
      if (cached !== undefined) return cached;
      if (
        address.version === 4
          ? SPECIAL_V4.check(address.ip, 'ipv4')
          : SPECIAL_V6.check(address.ip, 'ipv6')
      ) {
        cache.set(address.prefix, NOWHERE);
        return NOWHERE;
      }
      const [record, prefixLength] = reader.getWithPrefixLength(address.ip);
      const location = placeOf(record);
      cache.set(
        address.prefix,
        prefixLength > (address.version === 4 ? 24 : 48) ? FINER : location,
      );
      return location;
    },
  };
}

async function openReader(path: string): Promise<Reader<MmdbRecord>> {
  // The reader's own cache keeps decoded records by their place in the file: cities repeat.
  return maxmind.open<MmdbRecord>(path, { cache: { max: 20_000 } });
}

/** The reader's types know MaxMind's shapes only; what a record holds is read as GeoRecord. */
type MmdbRecord = CityResponse;

/**
 * The two record shapes in use: ip-location-db's flat one (`country_code`, `state1`, `city`) and
 * MaxMind's (`country.iso_code`, `subdivisions[0].names.en`, `city.names.en`).
 */
interface GeoRecord {
  country_code?: string;
  state1?: string;
  city?: string | { names?: Record<string, string> };
  country?: { iso_code?: string };
  subdivisions?: Array<{ names?: Record<string, string> }>;
}

/** The place a database record names; exported for tests of both record shapes. */
export function placeOf(found: object | null): GeoLocation {
  if (found === null) return NOWHERE;
  const record = found as GeoRecord;
  const code = record.country_code ?? record.country?.iso_code;
  const city = typeof record.city === 'string' ? record.city : record.city?.names?.en;
  const region = record.state1 ?? record.subdivisions?.[0]?.names?.en;
  // ZZ is what DB-IP writes for "unknown".
  const country = code !== undefined && /^[A-Z]{2}$/.test(code) && code !== 'ZZ' ? code : null;
  if (country === null) return NOWHERE;
  return Object.freeze({ country, region: name(region), city: name(city) });
}

function name(value: string | undefined): string | null {
  return value ? value.slice(0, NAME_LENGTH) : null;
}
