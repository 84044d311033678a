import { DIRECT_NONE, NONE, type VisitDimension } from './stats/query-model.js';
import type { TrackedEvent } from './tracked-event.js';

/**
 * What a visit is described by: its first event's source, referrer, channel, UTM parameters,
 * device and place (docs/query.md, Dimensions). Missing values are already their labels, so the
 * stores keep and compare plain strings.
 */
export interface VisitAttributes {
  source: string;
  referrer: string;
  channel: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_content: string;
  utm_term: string;
  device: string;
  browser: string;
  browser_version: string;
  os: string;
  os_version: string;
  country: string;
  region: string;
  city: string;
}

export type VisitAttributeName = keyof VisitAttributes;
export const VISIT_ATTRIBUTE_NAMES: readonly VisitAttributeName[] = [
  'source',
  'referrer',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'device',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'country',
  'region',
  'city',
];

/** The attribute behind a visit:* dimension; entry and exit pages are not attributes of the first event. */
export function attributeOf(dimension: VisitDimension): VisitAttributeName | null {
  const name = dimension.slice('visit:'.length);
  return (VISIT_ATTRIBUTE_NAMES as readonly string[]).includes(name)
    ? (name as VisitAttributeName)
    : null;
}

const label = (value: string | null | undefined): string =>
  value === null || value === undefined || value === '' ? NONE : value;

export function visitAttributesOf(event: TrackedEvent): VisitAttributes {
  const source = sourceOf(event);
  return {
    source,
    referrer: referrerOf(event),
    channel: channelOf(source, event.utm_medium, event.utm_source),
    utm_source: label(event.utm_source),
    utm_medium: label(event.utm_medium),
    utm_campaign: label(event.utm_campaign),
    utm_content: label(event.utm_content),
    utm_term: label(event.utm_term),
    device: label(event.device),
    browser: label(event.browser),
    browser_version: label(event.browser_version),
    os: label(event.os),
    os_version: label(event.os_version),
    country: label(event.country),
    region: label(event.region),
    city: label(event.city),
  };
}

const stripWww = (host: string): string => host.replace(/^www\./i, '');

/** A referrer counts only when it is another site: navigation inside the site is not a source. */
function externalReferrerHost(event: TrackedEvent): string | null {
  const host = event.referrer_host ? stripWww(event.referrer_host.toLowerCase()) : null;
  if (!host) return null;
  return event.hostname !== null && stripWww(event.hostname.toLowerCase()) === host ? null : host;
}

export function sourceOf(event: TrackedEvent): string {
  if (event.utm_source) return event.utm_source;
  return externalReferrerHost(event) ?? DIRECT_NONE;
}

/** The referrer without scheme, `www.`, query, fragment or trailing slash. */
export function referrerOf(event: TrackedEvent): string {
  if (externalReferrerHost(event) === null || !event.referrer) return DIRECT_NONE;
  try {
    const url = new URL(event.referrer);
    const path = url.pathname.replace(/\/+$/, '');
    return `${stripWww(url.hostname.toLowerCase())}${path}`.slice(0, 2048);
  } catch {
    return externalReferrerHost(event)!;
  }
}

const SEARCH_ENGINES = new Set([
  'google',
  'bing',
  'yahoo',
  'duckduckgo',
  'baidu',
  'yandex',
  'ecosia',
  'qwant',
  'startpage',
  'naver',
  'sogou',
  'seznam',
  'search.brave',
  'kagi',
]);
const SOCIAL_NETWORKS = new Set([
  'facebook',
  'fb',
  'instagram',
  'twitter',
  'x.com',
  't.co',
  'linkedin',
  'lnkd.in',
  'reddit',
  'pinterest',
  'tiktok',
  'mastodon',
  'bsky',
  'threads',
  'vk',
  'tumblr',
  'quora',
  'discord',
  'telegram',
  't.me',
  'whatsapp',
  'news.ycombinator',
]);
const VIDEO_SITES = new Set(['youtube', 'youtu.be', 'vimeo', 'twitch', 'dailymotion']);
const PAID = new Set(['cpc', 'ppc', 'paid', 'paidsearch', 'paid_search']);
const DISPLAY = new Set(['display', 'banner', 'cpm']);
const SOCIAL_MEDIUMS = new Set([
  'social',
  'social-network',
  'social_network',
  'social-media',
  'social_media',
]);

/** Whether a source (a host or a utm_source name) is one of a list: by name (`google`), host label or host. */
function isOneOf(source: string, names: ReadonlySet<string>): boolean {
  const s = source.toLowerCase();
  if (names.has(s)) return true;
  const labels = s.split('.');
  for (let i = 0; i < labels.length; i++) {
    if (names.has(labels[i]!) && i < labels.length - 1) return true;
    if (names.has(labels.slice(i).join('.'))) return true;
    if (i + 1 < labels.length && names.has(`${labels[i]}.${labels[i + 1]}`)) return true;
  }
  return false;
}

/** The acquisition channel: the first matching rule of docs/query.md. */
export function channelOf(
  source: string,
  utmMedium: string | null,
  utmSource: string | null,
): string {
  const medium = (utmMedium ?? '').toLowerCase();
  const direct = source === DIRECT_NONE;
  const search = !direct && isOneOf(source, SEARCH_ENGINES);
  const social = !direct && isOneOf(source, SOCIAL_NETWORKS);
  if (PAID.has(medium)) return search ? 'Paid Search' : social ? 'Paid Social' : 'Paid Other';
  if (/e-?mail/.test(medium) || /e-?mail/.test((utmSource ?? '').toLowerCase())) return 'Email';
  if (medium === 'affiliate') return 'Affiliates';
  if (DISPLAY.has(medium)) return 'Display';
  if (SOCIAL_MEDIUMS.has(medium) || social) return 'Organic Social';
  if (search) return 'Organic Search';
  if (!direct && isOneOf(source, VIDEO_SITES)) return 'Organic Video';
  return direct ? 'Direct' : 'Referral';
}
