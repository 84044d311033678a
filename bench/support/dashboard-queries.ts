/**
 * What the dashboard asks of POST /analytics/query for one view (docs/query.md), unfiltered and
 * with one and two filters: the top numbers, the chart, and a breakdown by each dimension.
 */
export interface DashboardQuery {
  name: string;
  body: Record<string, unknown>;
}

const ONE = [['is', 'visit:source', ['google.com']]];
const TWO = [...ONE, ['is', 'visit:country', ['US']]];
const FILTERS: Array<[string, unknown[]]> = [
  ['', []],
  [', 1 filter', ONE],
  [', 2 filters', TWO],
];

const EVENT_DIMENSIONS = ['event:page', 'event:name', 'event:hostname'];
const VISIT_DIMENSIONS = [
  'visit:entry_page',
  'visit:exit_page',
  'visit:source',
  'visit:referrer',
  'visit:channel',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:device',
  'visit:browser',
  'visit:browser_version',
  'visit:os',
  'visit:os_version',
  'visit:country',
  'visit:region',
  'visit:city',
];

export function dashboardQueries(site: string, range: [string, string]): DashboardQuery[] {
  const base = { site_id: site, date_range: range };
  const queries: DashboardQuery[] = [];
  for (const [suffix, filters] of FILTERS) {
    queries.push({
      name: `top numbers${suffix}`,
      body: {
        ...base,
        filters,
        metrics: [
          'visitors',
          'visits',
          'pageviews',
          'views_per_visit',
          'bounce_rate',
          'visit_duration',
        ],
      },
    });
    queries.push({
      name: `chart by day${suffix}`,
      body: { ...base, filters, metrics: ['visitors', 'pageviews'], dimensions: ['time:day'] },
    });
  }
  for (const [suffix, filters] of FILTERS.slice(0, 2)) {
    for (const d of EVENT_DIMENSIONS)
      queries.push({
        name: `${d}${suffix}`,
        body: {
          ...base,
          filters,
          metrics: ['visitors', 'pageviews'],
          dimensions: [d],
          pagination: { limit: 10 },
        },
      });
    for (const d of VISIT_DIMENSIONS)
      queries.push({
        name: `${d}${suffix}`,
        body: {
          ...base,
          filters,
          metrics: ['visitors', 'visits'],
          dimensions: [d],
          pagination: { limit: 10 },
        },
      });
  }
  queries.push({
    name: 'event:props:plan of signups',
    body: {
      ...base,
      filters: [['is', 'event:name', ['signup']]],
      metrics: ['visitors', 'events'],
      dimensions: ['event:props:plan'],
      pagination: { limit: 10 },
    },
  });
  return queries;
}
