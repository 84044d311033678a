import { fetchWithKey } from './auth.js';
import { createLimiter } from './scheduler.js';
import { dateRangeOf, queryFilters, type View } from './state.js';

/** The dashboard's reads and writes: the general query, goals, funnels, shared links. */
export interface QueryRow {
  dimensions: string[];
  metrics: Array<number | null>;
}
export interface QueryAnswer {
  results: QueryRow[];
  meta: { time_labels?: string[]; total_rows?: number };
  query: { date_range: [string, string]; timezone: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Two cores serve a small deployment: three queries in flight keep them busy without queueing each other. */
const limiter = createLimiter(3);

export async function send<T>(
  method: string,
  path: string,
  body?: unknown,
  priority = 1,
): Promise<T> {
  const response = await limiter.run(
    () =>
      fetchWithKey(path, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    priority,
  );
  if (!response.ok) {
    const error = (await response.json().catch(() => ({}))) as {
      message?: string;
      code?: string;
      field?: string;
    };
    throw new ApiError(
      response.status,
      error.code ?? String(response.status),
      error.field,
      error.field
        ? `${error.field} ${error.message ?? ''}`
        : (error.message ?? response.statusText),
    );
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export interface QueryParts {
  metrics: string[];
  dimensions?: string[];
  /** Filters added to the view's. */
  filters?: unknown[];
  /** Replaces the view's range (comparison). */
  dateRange?: string | [string, string];
  orderBy?: Array<[string, 'asc' | 'desc']>;
  limit?: number;
  timeLabels?: boolean;
  /** 0: the first screen's numbers; default 1. */
  priority?: number;
}

/** POST /analytics/query for the view, with its site, range, filters and bots. */
export function query(view: View, parts: QueryParts, now = Date.now()): Promise<QueryAnswer> {
  return send<QueryAnswer>(
    'POST',
    '/analytics/query',
    {
      site_id: view.site,
      date_range: parts.dateRange ?? dateRangeOf(view.range, now),
      metrics: parts.metrics,
      ...(parts.dimensions ? { dimensions: parts.dimensions } : {}),
      filters: [...queryFilters(view), ...(parts.filters ?? [])],
      ...(parts.orderBy ? { order_by: parts.orderBy } : {}),
      include: { bots: view.includeBots, ...(parts.timeLabels ? { time_labels: true } : {}) },
      pagination: { limit: parts.limit ?? 10 },
    },
    parts.priority,
  );
}

export interface Goal {
  id: string;
  name: string;
  page_path: string | null;
  event_name: string | null;
  property: { key: string; value: string } | null;
}
export interface SavedFunnel {
  id: string;
  name: string;
  steps: unknown[][];
}
export interface SharedLink {
  id: string;
  name: string;
  has_password: boolean;
  created_at: string;
}
export interface FunnelStep {
  visitors: number;
  conversion_rate: number;
  dropoff: number;
  dropoff_rate: number;
}

const site = (id: string) => `site_id=${encodeURIComponent(id)}`;
export const goals = {
  list: (siteId: string) =>
    send<{ goals: Goal[] }>('GET', `/analytics/goals?${site(siteId)}`).then((a) => a.goals),
  create: (body: Record<string, unknown>) => send<Goal>('POST', '/analytics/goals', body),
  remove: (id: string) => send<void>('DELETE', `/analytics/goals/${encodeURIComponent(id)}`),
};
export const funnels = {
  list: (siteId: string) =>
    send<{ funnels: SavedFunnel[] }>('GET', `/analytics/funnels?${site(siteId)}`).then(
      (a) => a.funnels,
    ),
  create: (body: Record<string, unknown>) => send<SavedFunnel>('POST', '/analytics/funnels', body),
  remove: (id: string) => send<void>('DELETE', `/analytics/funnels/${encodeURIComponent(id)}`),
  run: (view: View, steps: unknown[]) =>
    send<{ steps: FunnelStep[] }>('POST', '/analytics/funnel', {
      site_id: view.site,
      date_range: dateRangeOf(view.range),
      steps,
      filters: queryFilters(view),
      include: { bots: view.includeBots },
    }),
};
export const links = {
  list: (siteId: string) =>
    send<{ links: SharedLink[] }>('GET', `/analytics/shared-links?${site(siteId)}`).then(
      (a) => a.links,
    ),
  create: (body: Record<string, unknown>) =>
    send<SharedLink & { token: string; url: string }>('POST', '/analytics/shared-links', body),
  remove: (id: string) => send<void>('DELETE', `/analytics/shared-links/${encodeURIComponent(id)}`),
  unlock: (token: string, password: string) =>
    send<{ access_token: string; site_id: string }>('POST', '/share/unlock', { token, password }),
};

export function propertyKeys(view: View, extra: unknown[]): Promise<string[]> {
  return send<{ keys: Array<{ key: string }> }>('POST', '/analytics/property-keys', {
    site_id: view.site,
    date_range: dateRangeOf(view.range),
    filters: [...queryFilters(view), ...extra],
    include: { bots: view.includeBots },
  }).then((a) => a.keys.map((k) => k.key));
}

/** The sites to pick from, and whether this Clickstream runs the live view (LIVE_VIEW). */
export function loadSites(): Promise<{ sites: string[]; live: boolean }> {
  return send('GET', '/analytics/sites');
}
