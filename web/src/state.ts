/**
 * The dashboard's view, all of it in the address: site, range, filters, comparison, bots. Every
 * change is a history entry, so a view can be bookmarked and shared, and back/forward walk views.
 * A shared link's page is /share/<token>: the token stays in the path, the view in the query.
 */
export type Operator = 'is' | 'is_not' | 'contains' | 'contains_not' | 'matches';
export type Filter = [Operator, string, string[]];
export type Compare = 'off' | 'previous' | 'year';

export interface Range {
  key: string;
  label: string;
  /** The general query's date_range, or a function of now for ranges it has no shortcut for. */
  dateRange: string | ((now: number) => [string, string]);
  time: 'time:minute' | 'time:hour' | 'time:day' | 'time:week' | 'time:month';
}

export const RANGES: Range[] = [
  {
    key: '1h',
    label: '1 hour',
    dateRange: (now) => [new Date(now - 3_600_000).toISOString(), new Date(now).toISOString()],
    time: 'time:minute',
  },
  { key: 'day', label: 'Today', dateRange: 'day', time: 'time:hour' },
  { key: '24h', label: '24 hours', dateRange: '24h', time: 'time:hour' },
  { key: '7d', label: '7 days', dateRange: '7d', time: 'time:hour' },
  { key: '30d', label: '30 days', dateRange: '30d', time: 'time:day' },
  { key: 'month', label: 'This month', dateRange: 'month', time: 'time:day' },
  { key: '6mo', label: '6 months', dateRange: '6mo', time: 'time:week' },
  { key: '12mo', label: '12 months', dateRange: '12mo', time: 'time:month' },
];

export interface View {
  site: string;
  range: Range;
  filters: Filter[];
  compare: Compare;
  includeBots: boolean;
}

export const OPERATORS: Record<Operator, string> = {
  is: 'is',
  is_not: 'is not',
  contains: 'contains',
  contains_not: 'does not contain',
  matches: 'matches',
};

/** `shareToken` is set on a shared link's page: read-only, one site. */
export const shareToken: string | null =
  /^\/share\/(csl_[A-Za-z0-9_-]+)$/.exec(location.pathname)?.[1] ?? null;

const SITE_KEY = 'clickstream.dashboard.site';

export function readView(): View {
  const params = new URLSearchParams(location.search);
  const filters: Filter[] = [];
  for (const raw of params.getAll('f')) {
    const [op, dimension, ...values] = raw.split('~').map(decodeURIComponent);
    if (op && op in OPERATORS && dimension && values.length > 0)
      filters.push([op as Operator, dimension, values]);
  }
  const compare = params.get('compare');
  return {
    site: params.get('site') ?? (shareToken ? '' : (localStorage.getItem(SITE_KEY) ?? '')),
    range:
      RANGES.find((r) => r.key === params.get('range')) ?? RANGES.find((r) => r.key === '24h')!,
    filters,
    compare: compare === 'previous' || compare === 'year' ? compare : 'off',
    includeBots: params.get('bots') === '1',
  };
}

/** The address of a view; filters are `f=op~dimension~value[~value…]`, each part URI-encoded. */
export function viewUrl(view: View): string {
  const params = new URLSearchParams({ site: view.site, range: view.range.key });
  for (const [op, dimension, values] of view.filters)
    params.append(
      'f',
      [op, dimension, ...values].map((p) => encodeURIComponent(p).replaceAll('~', '%7E')).join('~'),
    );
  if (view.compare !== 'off') params.set('compare', view.compare);
  if (view.includeBots) params.set('bots', '1');
  return `${location.pathname}?${params.toString()}`;
}

export function saveView(view: View, replace = false): void {
  if (!shareToken) localStorage.setItem(SITE_KEY, view.site);
  const url = viewUrl(view);
  if (url === `${location.pathname}${location.search}`) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
}

/** The filters as the general query takes them. */
export function queryFilters(view: View): unknown[] {
  return view.filters.map(([op, dimension, values]) => [op, dimension, values]);
}

export function dateRangeOf(range: Range, now = Date.now()): string | [string, string] {
  return typeof range.dateRange === 'string' ? range.dateRange : range.dateRange(now);
}
