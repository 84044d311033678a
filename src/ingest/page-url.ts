import { ClickstreamError } from '../domain/errors.js';

export interface PageLocation {
  /** The path, without query or fragment; trailing slash removed except for `/`. */
  page: string;
  hostname: string | null;
  utm: { source: string | null; medium: string | null; campaign: string | null };
}

const BASE = 'http://page.invalid';

/**
 * Accepts a path (`/blog/post-1?x=1`) or an absolute http(s) URL. The page is the path alone, so
 * `/home?ref=mail` and `/home/` count as `/home`; UTM parameters are kept apart.
 */
export function parsePageUrl(pageUrl: string): PageLocation {
  const absolute = /^https?:\/\//i.test(pageUrl);
  // `//host/path` is a protocol-relative URL, not a path: refuse it rather than guess the host.
  if (!absolute && (!pageUrl.startsWith('/') || pageUrl.startsWith('//'))) {
    throw new ClickstreamError('INVALID_EVENT', 'must be a path starting with / or an http(s) URL', { field: 'page_url' });
  }
  let url: URL;
  try {
    url = new URL(pageUrl, BASE);
  } catch {
    throw new ClickstreamError('INVALID_EVENT', 'is not a valid URL', { field: 'page_url' });
  }
  let page = safeDecode(url.pathname);
  if (page.length > 1 && page.endsWith('/')) page = page.replace(/\/+$/, '') || '/';
  const param = (name: string) => url.searchParams.get(name)?.slice(0, 256) || null;
  return {
    page,
    hostname: absolute ? url.hostname : null,
    utm: { source: param('utm_source'), medium: param('utm_medium'), campaign: param('utm_campaign') },
  };
}

/** The host of a referrer URL, or null when it has none (or is not a URL). */
export function referrerHost(referrer: string | undefined): string | null {
  if (!referrer) return null;
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
