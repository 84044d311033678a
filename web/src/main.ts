import './style.css';
import { ApiError, links, loadSites, query, type QueryAnswer } from './api.js';
import { setLinkAccess } from './auth.js';
import { createTimeChart, type SeriesSpec } from './charts.js';
import { formText } from './dom.js';
import { downloadCsv, downloadZip, toCsv } from './export.js';
import { change, count, percent, rate, seconds } from './format.js';
import { renderChips, setUpFilterDialog } from './filters.js';
import { createFunnelPanel } from './funnels.js';
import { createGoalsPanel, goalsCsvDownload } from './goals.js';
import { feedRow, renderBars } from './lists.js';
import { createLive, type LiveEvent, type LiveTotals } from './live.js';
import { createPanel, PANELS, type Panel } from './panels.js';
import { whenVisible } from './scheduler.js';
import { setUpShareDialog } from './sharing.js';
import { RANGES, readView, saveView, shareToken, type Filter, type View } from './state.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const FEED_ROWS = 50;
/** Historical cards refresh at least this often, and soon after live events arrive. */
const REFRESH_MS = 30_000;
const REFRESH_AFTER_LIVE_MS = 1_500;
const readOnly = shareToken !== null;

let view: View = readView();
let feedType = '';

const visitorsSeries: SeriesSpec = { label: 'Visitors', color: '#4f46e5', fill: true };
const pageviewsSeries: SeriesSpec = { label: 'Page views', color: '#0d9488' };
const earlierSeries: SeriesSpec = {
  label: 'Visitors, earlier period',
  color: '#9ca3af',
  dash: true,
};
const mainChart = createTimeChart($('chart-main'), [visitorsSeries, pageviewsSeries], 300);
const liveChart = createTimeChart(
  $('chart-live'),
  [{ label: 'Events / s', color: '#f59e0b' }],
  90,
  { axes: false, bars: true },
);

function showError(error: unknown): void {
  const banner = $('banner');
  banner.hidden = error === undefined;
  banner.textContent =
    error === undefined
      ? ''
      : `Could not load the data: ${error instanceof Error ? error.message : 'unknown error'}`;
}

/** Changes the view (a new history entry) and reloads everything. */
function setView(next: Partial<View>): void {
  view = { ...view, ...next };
  saveView(view);
  showView();
}

function addFilter(filter: Filter): void {
  const others = view.filters.filter(([op, d]) => !(d === filter[1] && op === filter[0]));
  setView({ filters: [...others, filter] });
}

const panels: Panel[] = PANELS.map((def) =>
  createPanel($(`panel-${def.id}`), def, {
    pick: (dimension, value) => addFilter(['is', dimension, [value]]),
    error: showError,
  }),
);
const goalsPanel = createGoalsPanel($('goals'), {
  readOnly,
  pick: (name) => addFilter(['is', 'event:goal', [name]]),
  error: showError,
  changed: () => void refresh(),
});
const funnelPanel = createFunnelPanel($('funnel'), { readOnly, error: showError });
const cards = [
  ...panels.map((p) => whenVisible($(`panel-${p.def.id}`), () => p.refresh(view))),
  whenVisible($('goals'), () => goalsPanel.refresh(view)),
  whenVisible($('funnel'), () => funnelPanel.refresh(view)),
];
const openFilter = setUpFilterDialog($<HTMLDialogElement>('filter-dialog'), () => view, addFilter);
const openShare = setUpShareDialog(
  $<HTMLDialogElement>('share-dialog'),
  () => view.site,
  showError,
);

const TOTALS = [
  'visitors',
  'visits',
  'pageviews',
  'views_per_visit',
  'bounce_rate',
  'visit_duration',
];
const FORMAT: Record<string, (n: number) => string> = {
  views_per_visit: (n) => n.toFixed(2),
  bounce_rate: percent,
  visit_duration: seconds,
};

function renderTotals(answer: QueryAnswer, earlier: QueryAnswer | null): void {
  const now = answer.results[0]?.metrics ?? [];
  const before = earlier?.results[0]?.metrics ?? null;
  TOTALS.forEach((metric, i) => {
    const value = now[i] ?? 0;
    $(`kpi-${metric}`).textContent = (FORMAT[metric] ?? count)(value);
    const delta = document.querySelector<HTMLElement>(`.kpi[data-metric=${metric}] .delta`)!;
    const diff = before ? change(value, before[i] ?? 0) : null;
    // Fewer bounces are better: its arrow colours the other way round.
    const good = diff === null ? null : metric === 'bounce_rate' ? diff <= 0 : diff >= 0;
    delta.textContent =
      before === null
        ? ''
        : diff === null
          ? 'new'
          : `${diff > 0 ? '↑' : diff < 0 ? '↓' : ''} ${Math.abs(diff)} %`;
    delta.className = `delta${good === null ? '' : good ? ' up' : ' down'}`;
  });
}

/** A label "2026-11-30 14:00:00" (the site's local time) as epoch seconds shown as that wall time. */
const labelTime = (label: string): number =>
  Date.parse(label.length === 10 ? `${label}T00:00:00` : label.replace(' ', 'T')) / 1000;

function renderSeries(answer: QueryAnswer, earlier: QueryAnswer | null): void {
  const labels = answer.meta.time_labels ?? answer.results.map((r) => r.dimensions[0]!);
  const byLabel = new Map(answer.results.map((r) => [r.dimensions[0]!, r.metrics]));
  const series = [
    labels.map((l) => byLabel.get(l)?.[0] ?? 0),
    labels.map((l) => byLabel.get(l)?.[1] ?? 0),
  ];
  const specs = [visitorsSeries, pageviewsSeries];
  if (earlier) {
    // The earlier period's buckets, by position: the n-th hour of then beside the n-th hour of now.
    const before = new Map(earlier.results.map((r) => [r.dimensions[0]!, r.metrics[0] ?? 0]));
    const earlierLabels = earlier.meta.time_labels ?? [];
    series.push(
      labels.map((_, i) =>
        i < earlierLabels.length ? (before.get(earlierLabels[i]!) ?? 0) : null,
      ) as number[],
    );
    specs.push(earlierSeries);
  }
  mainChart.update(labels.map(labelTime), series, specs);
  $('chart-title').textContent =
    `Visitors and page views · ${view.range.label}${view.filters.length ? ' · filtered' : ''}`;
  $('chart-legend').innerHTML = specs
    .map((s) => `<i style="background:${s.color}"></i>${s.label}`)
    .join('');
}

/** The comparison's range: the resolved range shifted back by its length, or by a year. */
function earlierRange(resolved: [string, string]): [string, string] {
  const [from, to] = resolved.map(Date.parse) as [number, number];
  if (view.compare === 'previous') {
    const length = to - from + 1;
    return [new Date(from - length).toISOString(), new Date(from - 1).toISOString()];
  }
  const back = (t: number) => {
    const d = new Date(t);
    d.setUTCFullYear(d.getUTCFullYear() - 1);
    return d.toISOString();
  };
  return [back(from), back(to)];
}

let refreshTimer: number | undefined;
let lastRefresh = 0;
/** Only the newest load is shown: an answer for a view that has changed since is dropped. */
let generation = 0;
async function refresh(): Promise<void> {
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => void refresh(), REFRESH_MS);
  const mine = ++generation;
  const current = view;
  lastRefresh = Date.now();
  const now = Date.now();
  // One query per card, all at once: totals, the chart, each panel's open tab, goals, the funnel.
  const totals = query(current, { metrics: TOTALS, priority: 0 }, now);
  const series = query(
    current,
    {
      metrics: ['visitors', 'pageviews'],
      dimensions: [current.range.time],
      timeLabels: true,
      limit: 10_000,
      priority: 0,
    },
    now,
  );
  // The cards on screen load now; the others when they are scrolled to.
  for (const card of cards) card.stale();
  try {
    const [t, s] = await Promise.all([totals, series]);
    let earlier: [QueryAnswer, QueryAnswer] | null = null;
    if (current.compare !== 'off') {
      const dateRange = earlierRange(t.query.date_range);
      earlier = await Promise.all([
        query(current, { metrics: TOTALS, dateRange, priority: 0 }),
        query(current, {
          metrics: ['visitors'],
          dimensions: [current.range.time],
          timeLabels: true,
          limit: 10_000,
          dateRange,
          priority: 0,
        }),
      ]);
    }
    if (mine !== generation) return;
    renderTotals(t, earlier?.[0] ?? null);
    renderSeries(s, earlier?.[1] ?? null);
    showError(undefined);
  } catch (error) {
    if (mine === generation) showError(error);
  }
}

/** Controls and chips from the view (after a change, and after back/forward). */
function showView(): void {
  renderChips($('chips'), view.filters, (index) =>
    setView({ filters: view.filters.filter((_, i) => i !== index) }),
  );
  for (const b of $('range').querySelectorAll('button'))
    b.setAttribute('aria-pressed', String(b.dataset.range === view.range.key));
  $<HTMLSelectElement>('compare').value = view.compare;
  $<HTMLInputElement>('bots').checked = view.includeBots;
  $<HTMLSelectElement>('site').value = view.site;
  void refresh();
  void follow();
}

/* Live: totals and feed for the whole site; the feed follows an event or page filter. */
let seenLiveEvents = -1;
function refreshAfterLive(total: number): void {
  const changed = seenLiveEvents !== -1 && total !== seenLiveEvents;
  seenLiveEvents = total;
  if (!changed) return;
  const wait = Math.max(REFRESH_AFTER_LIVE_MS, lastRefresh + 5_000 - Date.now());
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => void refresh(), wait);
}

function renderLiveTotals(t: LiveTotals): void {
  $('kpi-active').textContent = count(t.activeVisitors);
  $('kpi-eps').textContent = rate(t.eventsPerSecond);
  $('kpi-live-events').textContent = count(t.events);
  liveChart.update(
    t.perSecond.map((s) => Date.parse(s.time) / 1000),
    [t.perSecond.map((s) => s.events)],
  );
  renderBars(
    $('list-live-pages'),
    t.pages.map((p) => ({ value: p.page, metrics: [p.views] })),
    { empty: 'No page views in the last 5 minutes' },
  );
  refreshAfterLive(t.events);
}

/** Feed rows are added in batches, at most four times a second; an event is shown once. */
const pending: LiveEvent[] = [];
const shown = new Set<string>();
let flushScheduled = false;
function addToFeed(items: LiveEvent[], replace = false): void {
  const body = $<HTMLTableSectionElement>('feed');
  if (replace) {
    body.replaceChildren();
    pending.length = 0;
    shown.clear();
  }
  pending.push(...items);
  if (flushScheduled) return;
  flushScheduled = true;
  window.setTimeout(
    () => {
      flushScheduled = false;
      const fresh = pending
        .splice(0)
        .filter((e) => !shown.has(e.eventId))
        .slice(-FEED_ROWS);
      for (const event of fresh) shown.add(event.eventId);
      body.prepend(...fresh.reverse().map(feedRow));
      while (body.rows.length > FEED_ROWS) {
        shown.delete(body.rows[body.rows.length - 1]!.dataset.eventId ?? '');
        body.deleteRow(-1);
      }
      $('feed-empty').hidden = body.rows.length > 0;
    },
    replace ? 0 : 250,
  );
}

let live: ReturnType<typeof createLive> | undefined;
function connectLive(enabled: boolean): void {
  if (!enabled) {
    $('live-status').textContent = readOnly ? 'off in a shared view' : 'off (LIVE_VIEW=false)';
    $('feed-card').hidden = readOnly;
    $('feed-empty').textContent = 'The live view is turned off on this server (LIVE_VIEW=false).';
    return;
  }
  live = createLive({
    totals: renderLiveTotals,
    event: (event) => addToFeed([event]),
    status: (connected) => {
      $('live-status').textContent = connected ? 'live' : 'reconnecting…';
      $('live-status').classList.toggle('on', connected);
      $('live-dot').classList.toggle('on', connected);
    },
  });
}

async function follow(): Promise<void> {
  if (!live) return;
  const single = (dimension: string): string =>
    view.filters.find(
      ([op, d, values]) => op === 'is' && d === dimension && values.length === 1,
    )?.[2][0] ?? '';
  const scope = {
    site: view.site,
    includeBots: view.includeBots,
    eventType: feedType || single('event:name'),
    page: single('event:page'),
  };
  $('live-scope').textContent = view.filters.length
    ? '· whole site, last 5 minutes'
    : '· last 5 minutes';
  seenLiveEvents = -1;
  live.follow(scope);
  addToFeed((await live.recent(scope)).reverse(), true);
}

async function exportZip(): Promise<void> {
  const current = view;
  const [totals, series, goalsCsv, funnelCsv, ...panelFiles] = await Promise.all([
    query(current, { metrics: TOTALS }),
    query(current, {
      metrics: ['visitors', 'pageviews', 'visits'],
      dimensions: [current.range.time],
      limit: 10_000,
    }),
    goalsPanel.csv(current),
    funnelPanel.csv(current),
    ...panels.map((p) => p.csvFiles(current)),
  ]);
  const files: Record<string, string> = {
    'totals.csv': toCsv(TOTALS, [totals.results[0]?.metrics ?? []]),
    'visitors-over-time.csv': toCsv(
      ['time', 'visitors', 'pageviews', 'visits'],
      series.results.map((r) => [r.dimensions[0]!, ...r.metrics]),
    ),
    'goals.csv': goalsCsv,
    ...(funnelCsv ? { 'funnel.csv': funnelCsv } : {}),
    ...panelFiles.reduce<Record<string, string>>((all, f) => ({ ...all, ...f }), {}),
  };
  downloadZip(`clickstream-${current.site}-${current.range.key}.zip`, files);
}

/** A shared link's one site (its address names none). */
let sharedSite: string | null = null;

async function openSharedLink(): Promise<void> {
  try {
    const opened = await links.unlock(shareToken!, '');
    view.site = opened.site_id;
  } catch (error) {
    if (!(error instanceof ApiError) || error.field !== 'password') throw error;
    const dialog = $<HTMLDialogElement>('password-dialog');
    const form = dialog.querySelector('form')!;
    const opened = await new Promise<{ access_token: string; site_id: string }>((resolve) => {
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const password = formText(form, 'password');
        links.unlock(shareToken!, password).then(resolve, (e: Error) => {
          form.querySelector('.form-error')!.textContent = e.message;
        });
      });
      dialog.showModal();
    });
    dialog.close();
    setLinkAccess(opened.access_token);
    view.site = opened.site_id;
  }
  sharedSite = view.site;
  $('site-field').hidden = true;
  $('shared-site').hidden = false;
  $('shared-site').textContent = `${view.site} · shared view`;
  $('share').hidden = true;
  connectLive(false);
}

async function setUp(): Promise<void> {
  if (readOnly) {
    await openSharedLink();
  } else {
    const { sites, live: liveView } = await loadSites();
    connectLive(liveView);
    // A site named in the link is kept even without data yet (it may be about to receive some).
    if (!new URLSearchParams(location.search).get('site') && !sites.includes(view.site))
      view.site = sites[0] ?? 'default';
    const siteSelect = $<HTMLSelectElement>('site');
    for (const site of new Set([...sites, view.site]))
      siteSelect.add(new Option(site, site, false, site === view.site));
    siteSelect.addEventListener('change', () => setView({ site: siteSelect.value, filters: [] }));
  }
  for (const range of RANGES) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = range.label;
    button.dataset.range = range.key;
    button.addEventListener('click', () => setView({ range }));
    $('range').append(button);
  }
  $<HTMLSelectElement>('compare').addEventListener('change', (e) =>
    setView({ compare: (e.target as HTMLSelectElement).value as View['compare'] }),
  );
  $<HTMLInputElement>('bots').addEventListener('change', (e) =>
    setView({ includeBots: (e.target as HTMLInputElement).checked }),
  );
  $('add-filter').addEventListener('click', openFilter);
  $('share').addEventListener('click', openShare);
  $('export').addEventListener('click', () => void exportZip().catch(showError));
  $('goals-csv').addEventListener(
    'click',
    () => void goalsCsvDownload(goalsPanel, view).catch(showError),
  );
  $('funnel-csv').addEventListener(
    'click',
    () =>
      void funnelPanel
        .csv(view)
        .then((csv) => csv && downloadCsv('funnel.csv', csv))
        .catch(showError),
  );
  const typeSelect = $<HTMLSelectElement>('feed-type');
  typeSelect.addEventListener('change', () => {
    feedType = typeSelect.value;
    void follow();
  });
  window.addEventListener('popstate', () => {
    view = readView();
    if (sharedSite) view.site = sharedSite;
    showView();
  });
  saveView(view, true);
  showView();
}

setUp().catch(showError);
