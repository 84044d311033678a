import { randomUUID } from 'node:crypto';
import { ClickstreamError } from '../domain/errors.js';
import { resolveSite } from '../domain/site-id.js';
import type { TrackInput } from '../domain/track-input.js';
import { PAGE_VIEW, type TrackedEvent } from '../domain/tracked-event.js';
import { clientAddress, describeAgent } from './client-details.js';
import { NOWHERE, type GeoLocator } from './geo-locator.js';
import { parsePageUrl, referrerHost } from './page-url.js';

export interface RequestContext {
  /** The client address Fastify resolved (X-Forwarded-For only from trusted proxies). */
  ip: string;
  userAgent: string;
  receivedAt: number;
}

export interface EnrichOptions {
  defaultSiteId: string;
  maxEventAgeMs: number;
  maxClockSkewMs: number;
  ipStorage: 'truncate' | 'none';
  visitorHash: (siteId: string, ip: string, userAgent: string, time: number) => string;
  /** Country, region and city of the client address; without it events have none. Must be open. */
  geo?: GeoLocator | undefined;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Normalises a valid input and adds what the server knows; throws INVALID_EVENT with the field. */
export function enrichEvent(
  input: TrackInput,
  context: RequestContext,
  options: EnrichOptions,
): TrackedEvent {
  const timestamp = resolveTimestamp(input.timestamp, context.receivedAt, options);
  const location = parsePageUrl(input.page_url);
  const ip = input.ip_address ?? context.ip;
  const address = clientAddress(ip);
  if (input.ip_address !== undefined && address === null) {
    throw new ClickstreamError('INVALID_EVENT', 'must be an IPv4 or IPv6 address', {
      field: 'ip_address',
    });
  }
  // Looked up from the full address; only its network part is kept (ip_prefix).
  const place = address && options.geo ? options.geo.locate(address) : NOWHERE;
  const userAgent = input.user_agent ?? context.userAgent;
  const agent = describeAgent(userAgent);
  const siteId = resolveSite(input.site_id, options.defaultSiteId);
  const eventType = input.event_type.toLowerCase();
  const element = input.element;
  return {
    event_id: input.event_id ?? randomUUID(),
    site_id: siteId,
    visitor_id: input.user_id ?? options.visitorHash(siteId, ip, userAgent, timestamp),
    user_id: input.user_id ?? null,
    event_type: eventType === 'pageview' ? PAGE_VIEW : eventType,
    page: location.page,
    hostname: location.hostname,
    timestamp,
    received_at: context.receivedAt,
    session_id: input.session_id ?? null,
    referrer: input.referrer || null,
    referrer_host: referrerHost(input.referrer),
    title: input.title ?? null,
    properties: input.properties ?? null,
    element: element
      ? {
          tag: element.tag?.toLowerCase() ?? null,
          id: element.id ?? null,
          classes:
            typeof element.classes === 'string'
              ? element.classes.split(/\s+/).filter(Boolean).slice(0, 32)
              : (element.classes ?? []),
          text: element.text?.replace(/\s+/g, ' ').trim().slice(0, 256) ?? null,
          href: element.href ?? null,
          outbound: isOutbound(element.href, location.hostname),
        }
      : null,
    scroll_depth: input.scroll_depth ?? null,
    screen_width: input.screen?.width ?? null,
    screen_height: input.screen?.height ?? null,
    utm_source: location.utm.source,
    utm_medium: location.utm.medium,
    utm_campaign: location.utm.campaign,
    utm_content: location.utm.content,
    utm_term: location.utm.term,
    browser: agent.browser,
    browser_version: agent.browser_version,
    os: agent.os,
    os_version: agent.os_version,
    device: agent.device,
    is_bot: agent.is_bot,
    country: place.country,
    region: place.region,
    city: place.city,
    ip_prefix: options.ipStorage === 'truncate' ? (address?.prefix ?? null) : null,
  };
}

function resolveTimestamp(
  value: TrackInput['timestamp'],
  receivedAt: number,
  options: EnrichOptions,
): number {
  if (value === undefined) return receivedAt;
  if (typeof value === 'string' && !ISO_8601.test(value)) {
    throw new ClickstreamError(
      'INVALID_EVENT',
      'must be an ISO 8601 date-time with a zone (2026-01-31T12:00:00Z) or epoch milliseconds',
      { field: 'timestamp' },
    );
  }
  const time = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(time))
    throw new ClickstreamError('INVALID_EVENT', 'is not a valid date', { field: 'timestamp' });
  if (time > receivedAt + options.maxClockSkewMs) {
    throw new ClickstreamError(
      'INVALID_EVENT',
      `is more than ${options.maxClockSkewMs / 1000}s in the future`,
      { field: 'timestamp' },
    );
  }
  if (time < receivedAt - options.maxEventAgeMs) {
    throw new ClickstreamError(
      'INVALID_EVENT',
      `is older than ${options.maxEventAgeMs / 3_600_000}h`,
      { field: 'timestamp' },
    );
  }
  return Math.floor(time);
}

function isOutbound(href: string | undefined, hostname: string | null): boolean {
  if (!href || !/^https?:\/\//i.test(href)) return false;
  try {
    return hostname !== null && new URL(href).hostname !== hostname;
  } catch {
    return false;
  }
}
