import './style.css';
import { loadOverview, loadSites, RANGES, type Filters, type Overview } from './api.js';
import { createTimeChart, type SeriesSpec } from './charts.js';
import { count, duration, percent, rate } from './format.js';
import { createLive, type LiveEvent, type LiveTotals } from './live.js';
import { feedRow, renderBars } from './lists.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const FEED_ROWS = 50;
/** Historical cards refresh at least this often, and soon after live events arrive. */
const REFRESH_MS = 30_000;
const REFRESH_AFTER_LIVE_MS = 1_500;

const params = new URLSearchParams(location.search);
const SITE_KEY = 'clickstream.dashboard.site';
const filters: Filters = {
  site: params.get('site') ?? localStorage.getItem(SITE_KEY) ?? '',
  range: RANGES.find((r) => r.key === params.get('range')) ?? RANGES[1]!,
  includeBots: params.get('bots') === '1',
};
let feedType = '';

const pageviews: SeriesSpec = { label: 'Page views', color: '#4f46e5', fill: true };
const visitors: SeriesSpec = { label: 'Visitors', color: '#0d9488' };
const events: SeriesSpec = { label: 'Events', color: '#0d9488' };
const mainChart = createTimeChart($('chart-main'), [pageviews, visitors], 300);
const liveChart = createTimeChart($('chart-live'), [{ label: 'Events / s', color: '#f59e0b' }], 90, { axes: false, bars: true });

function showError(error: unknown): void {
  const banner = $('banner');
  banner.hidden = error === undefined;
  banner.textContent = error === undefined ? '' : `Could not load the data: ${error instanceof Error ? error.message : 'unknown error'}`;
}

function renderOverview(o: Overview): void {
  const series = filters.range.interval === 'minute' ? [pageviews, events] : [pageviews, visitors];
  const x = o.points.map((p) => Date.parse(p.time) / 1000);
  mainChart.update(x, [o.points.map((p) => p.pageviews ?? 0), o.points.map((p) => (series[1] === events ? p.events : p.visitors) ?? 0)], series);
  $('chart-title').textContent = `${series[0]!.label} and ${series[1]!.label.toLowerCase()} · last ${filters.range.label}`;
  $('chart-legend').innerHTML = series.map((s) => `<i style="background:${s.color}"></i>${s.label}`).join('');
  const totalViews = o.points.reduce((sum, p) => sum + (p.pageviews ?? 0), 0);
  const totalEvents = o.points.reduce((sum, p) => sum + (p.events ?? 0), 0);
  $('kpi-pageviews').textContent = count(totalViews);
  $('kpi-events').textContent = `${count(totalEvents)} events`;
  $('kpi-visitors').textContent = count(o.visitors);
  $('kpi-sessions').textContent = count(o.sessions.sessions);
  $('kpi-duration').textContent = `avg. visit ${duration(o.sessions.avg_duration_ms)}`;
  $('kpi-bounce').textContent = o.sessions.sessions ? percent(o.sessions.bounce_rate) : '–';
  renderBars($('list-pages'), o.pages);
  renderBars($('list-referrers'), o.referrers);
  renderBars($('list-events'), o.eventTypes);
  renderBars($('list-browsers'), o.browsers);
  renderBars($('list-devices'), o.devices);
  renderBars($('list-os'), o.os);
  updateFeedTypes(o.eventTypes.map((e) => e.label));
}

let refreshTimer: number | undefined;
let lastRefresh = 0;
/** Only the newest load is shown: an answer for filters that have changed since is dropped. */
let generation = 0;
async function refresh(): Promise<void> {
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => void refresh(), REFRESH_MS);
  const mine = ++generation;
  lastRefresh = Date.now();
  try {
    const overview = await loadOverview(filters);
    if (mine !== generation) return;
    renderOverview(overview);
    showError(undefined);
  } catch (error) {
    if (mine === generation) showError(error);
  }
}

/** New live events mean new aggregates a moment later (once the processor committed them). */
let seenLiveEvents = -1;
function refreshAfterLive(total: number): void {
  const changed = seenLiveEvents !== -1 && total !== seenLiveEvents;
  seenLiveEvents = total;
  if (!changed) return;
  const wait = Math.max(REFRESH_AFTER_LIVE_MS, lastRefresh + 5_000 - Date.now());
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => void refresh(), wait);
}

function renderTotals(t: LiveTotals): void {
  $('kpi-active').textContent = count(t.activeVisitors);
  $('kpi-eps').textContent = rate(t.eventsPerSecond);
  $('kpi-live-events').textContent = count(t.events);
  liveChart.update(t.perSecond.map((s) => Date.parse(s.time) / 1000), [t.perSecond.map((s) => s.events)]);
  renderBars($('list-live-pages'), t.pages.map((p) => ({ label: p.page, value: p.views })), 'No page views in the last 5 minutes');
  refreshAfterLive(t.events);
}

/**
 * Feed rows are added in batches, at most four times a second, however fast events arrive. An
 * event both in the first screen and in the subscription (it arrived in between) is shown once.
 */
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
  window.setTimeout(() => {
    flushScheduled = false;
    const fresh = pending.splice(0).filter((e) => !shown.has(e.eventId)).slice(-FEED_ROWS);
    for (const event of fresh) shown.add(event.eventId);
    body.prepend(...fresh.reverse().map(feedRow));
    while (body.rows.length > FEED_ROWS) {
      shown.delete(body.rows[body.rows.length - 1]!.dataset.eventId ?? '');
      body.deleteRow(-1);
    }
    $('feed-empty').hidden = body.rows.length > 0;
  }, replace ? 0 : 250);
}

function updateFeedTypes(types: string[]): void {
  const select = $<HTMLSelectElement>('feed-type');
  const known = new Set([...select.options].map((o) => o.value));
  for (const type of types) if (!known.has(type)) select.add(new Option(type, type));
}

let live: ReturnType<typeof createLive> | undefined;
function connectLive(enabled: boolean): void {
  if (!enabled) {
    $('live-status').textContent = 'off (LIVE_VIEW=false)';
    $('feed-empty').textContent = 'The live view is turned off on this server (LIVE_VIEW=false).';
    return;
  }
  live = createLive({
    totals: renderTotals,
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
  const scope = { site: filters.site, includeBots: filters.includeBots, eventType: feedType };
  seenLiveEvents = -1;
  live.follow(scope);
  addToFeed((await live.recent(scope)).reverse(), true);
}

function saveToUrl(): void {
  localStorage.setItem(SITE_KEY, filters.site);
  const query = new URLSearchParams({ site: filters.site, range: filters.range.key, ...(filters.includeBots ? { bots: '1' } : {}) });
  history.replaceState(null, '', `?${query.toString()}`);
}

function onFiltersChanged(): void {
  saveToUrl();
  void refresh();
  void follow();
}

async function setUpControls(): Promise<void> {
  const { sites, live: liveView } = await loadSites();
  connectLive(liveView);
  // A site named in the link is kept even without data yet (it may be about to receive some).
  if (!params.get('site') && !sites.includes(filters.site)) filters.site = sites[0] ?? 'default';
  const siteSelect = $<HTMLSelectElement>('site');
  for (const site of new Set([...sites, filters.site])) siteSelect.add(new Option(site, site, false, site === filters.site));
  siteSelect.addEventListener('change', () => { filters.site = siteSelect.value; onFiltersChanged(); });

  const group = $('range');
  for (const range of RANGES) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = range.label;
    button.setAttribute('aria-pressed', String(range === filters.range));
    button.addEventListener('click', () => {
      filters.range = range;
      for (const b of group.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === button));
      onFiltersChanged();
    });
    group.append(button);
  }
  const bots = $<HTMLInputElement>('bots');
  bots.checked = filters.includeBots;
  bots.addEventListener('change', () => { filters.includeBots = bots.checked; onFiltersChanged(); });
  const typeSelect = $<HTMLSelectElement>('feed-type');
  typeSelect.addEventListener('change', () => { feedType = typeSelect.value; void follow(); });
}

setUpControls().then(onFiltersChanged, showError);
