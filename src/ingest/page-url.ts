import { LRUCache } from 'lru-cache';
import { ClickstreamError } from '../domain/errors.js';

export interface Utm {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

export interface PageLocation {
  /** The path, without query or fragment; trailing slash removed except for `/`. */
  page: string;
  hostname: string | null;
  utm: Utm;
}

const BASE = 'http://page.invalid';
const UTM_LENGTH = 256;

/**
 * Page URLs and referrers repeat heavily (a site has few pages, and popularity follows a Zipf law),
 * while `new URL` costs microseconds, so both parses are memoised. They are pure functions of the
 * string; the caches are bounded by characters so that a flood of unique URLs costs bounded memory.
 */
const pages = new LRUCache<string, PageLocation>({
  maxSize: 4_000_000,
  sizeCalculation: (_, url) => url.length + 64,
});
const referrers = new LRUCache<string, { host: string | null }>({
  maxSize: 2_000_000,
  sizeCalculation: (_, url) => url.length + 32,
});

/**
 * Accepts a path (`/blog/post-1?x=1`) or an absolute http(s) URL. The page is the path alone, so
 * `/home?ref=mail` and `/home/` count as `/home`; UTM parameters are kept apart. The result is
 * shared between callers: never change it.
 */
export function parsePageUrl(pageUrl: string): PageLocation {
  let location = pages.get(pageUrl);
  if (location === undefined) {
    location = Object.freeze(parse(pageUrl));
    pages.set(pageUrl, location);
  }
  return location;
}

function parse(pageUrl: string): PageLocation {
  const absolute = /^https?:\/\//i.test(pageUrl);
  // `//host/path` is a protocol-relative URL, not a path: refuse it rather than guess the host.
  if (!absolute && (!pageUrl.startsWith('/') || pageUrl.startsWith('//'))) {
    throw new ClickstreamError(
      'INVALID_EVENT',
      'must be a path starting with / or an http(s) URL',
      { field: 'page_url' },
    );
  }
  let url: URL;
  try {
    url = new URL(pageUrl, BASE);
  } catch {
    throw new ClickstreamError('INVALID_EVENT', 'is not a valid URL', { field: 'page_url' });
  }
  let page = safeDecode(url.pathname);
  if (page.length > 1 && page.endsWith('/')) page = page.replace(/\/+$/, '') || '/';
  const query = url.search.length > 1 ? url.searchParams : null;
  const param = (name: string) => query?.get(name)?.slice(0, UTM_LENGTH) || null;
  return {
    page,
    hostname: absolute ? url.hostname : null,
    utm: Object.freeze({
      source: param('utm_source'),
      medium: param('utm_medium'),
      campaign: param('utm_campaign'),
      content: param('utm_content'),
      term: param('utm_term'),
    }),
  };
}

/** The host of a referrer URL, or null when it has none (or is not a URL). */
export function referrerHost(referrer: string | undefined): string | null {
  if (!referrer) return null;
  let known = referrers.get(referrer);
  if (known === undefined) {
    known = { host: hostOf(referrer) };
    referrers.set(referrer, known);
  }
  return known.host;
}

function hostOf(referrer: string): string | null {
  try {
    const host = new URL(referrer).hostname;
    return host ? host.replace(/^www\./, '') : null;
  } catch {
    return null;
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
