import { fetchWithKey } from './auth.js';

/** The REST and GraphQL reads of the dashboard (same origin: the query role serves both). */
export interface Range {
  key: string;
  label: string;
  /** Length of the range in ms, ending now. */
  span: number;
  interval: 'minute' | 'hour' | 'day';
}

export const RANGES: Range[] = [
  { key: '1h', label: '1 hour', span: 3_600_000, interval: 'minute' },
  { key: '24h', label: '24 hours', span: 86_400_000, interval: 'hour' },
  { key: '7d', label: '7 days', span: 7 * 86_400_000, interval: 'hour' },
  { key: '30d', label: '30 days', span: 30 * 86_400_000, interval: 'day' },
  { key: '90d', label: '90 days', span: 90 * 86_400_000, interval: 'day' },
  { key: '12mo', label: '12 months', span: 365 * 86_400_000, interval: 'day' },
];

export interface Filters {
  site: string;
  range: Range;
  includeBots: boolean;
}

export interface Point { time: string; pageviews?: number; visitors?: number; events?: number }
export interface Row { label: string; value: number }

export interface Overview {
  points: Point[];
  visitors: number;
  sessions: { sessions: number; bounce_rate: number; avg_duration_ms: number };
  pages: Row[];
  referrers: Row[];
  eventTypes: Row[];
  browsers: Row[];
  devices: Row[];
  os: Row[];
}

async function getJson<T>(path: string, params: Record<string, string>): Promise<T> {
  const response = await fetchWithKey(`${path}?${new URLSearchParams(params).toString()}`, { headers: { accept: 'application/json' } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new Error(`${path}: ${body.message ?? response.statusText}`);
  }
  return (await response.json()) as T;
}

type Breakdown = { rows: Array<{ value: string; pageviews: number; events: number }> };

/** Everything the cards show for a range, in parallel: nine small reads of the aggregates. */
export async function loadOverview(filters: Filters, now = Date.now()): Promise<Overview> {
  const scope = { site_id: filters.site, from: String(now - filters.range.span), to: String(now), include_bots: String(filters.includeBots) };
  const metrics = filters.range.interval === 'minute' ? 'pageviews,events' : 'pageviews,visitors,events';
  const breakdown = (name: string, limit: number) =>
    getJson<Breakdown>(`/analytics/${name}`, { ...scope, limit: String(limit) }).then((b) => b.rows.filter((r) => r.pageviews > 0).map((r) => ({ label: r.value, value: r.pageviews })));
  const [series, visitors, sessions, pages, eventTypes, referrers, browsers, devices, os] = await Promise.all([
    getJson<{ points: Point[] }>('/analytics/timeseries', { ...scope, interval: filters.range.interval, metrics }),
    getJson<{ visitors: number }>('/analytics/unique-visitors', scope),
    getJson<Overview['sessions']>('/analytics/sessions', scope),
    getJson<{ pages: Array<{ page: string; pageviews: number }> }>('/analytics/top-pages', { ...scope, limit: '10' }),
    getJson<{ event_types: Array<{ event_type: string; events: number }> }>('/analytics/events', { ...scope, limit: '10' }),
    breakdown('referrers', 10),
    breakdown('browsers', 8),
    breakdown('devices', 5),
    breakdown('os', 8),
  ]);
  return {
    points: series.points,
    visitors: visitors.visitors,
    sessions,
    pages: pages.pages.filter((p) => p.pageviews > 0).map((p) => ({ label: p.page, value: p.pageviews })),
    eventTypes: eventTypes.event_types.map((e) => ({ label: e.event_type, value: e.events })),
    referrers, browsers, devices, os,
  };
}

/** The sites to pick from, and whether this Clickstream runs the live view (LIVE_VIEW). */
export async function loadSites(): Promise<{ sites: string[]; live: boolean }> {
  return getJson<{ sites: string[]; live: boolean }>('/analytics/sites', {});
}
