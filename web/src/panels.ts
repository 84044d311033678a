import { propertyKeys, query } from './api.js';
import { toCsv, downloadCsv } from './export.js';
import { country } from './format.js';
import { renderBars, type Row } from './lists.js';
import type { View } from './state.js';

/**
 * The breakdown cards: each a set of tabs, each tab one general query (a dimension, its metrics).
 * A row is a filter: clicking it narrows the whole dashboard to that value.
 */
export interface Tab {
  key: string;
  label: string;
  dimension: string;
  metrics: string[];
  /** Column names of the metrics. */
  columns: string[];
  display?: (value: string) => string;
  /** After a row of this tab is picked, show this tab. */
  next?: string;
}

export interface PanelDef {
  id: string;
  title: string;
  tabs: Tab[];
  /** Tabs known only once data is in (the events panel's property keys). */
  extraTabs?: (view: View) => Promise<Tab[]>;
  /** A line under the list crediting the data's source (trusted HTML: a licence may ask for a link). */
  credit?: string;
}

const visitors = { metrics: ['visitors'], columns: ['Visitors'] };
/** `next` of a tab whose row opens the first tab known only with data (an event's first property). */
const FIRST_EXTRA = '*first-extra';
export const PANELS: PanelDef[] = [
  {
    id: 'pages',
    title: 'Pages',
    tabs: [
      {
        key: 'top',
        label: 'Top pages',
        dimension: 'event:page',
        metrics: ['visitors', 'pageviews'],
        columns: ['Visitors', 'Views'],
      },
      {
        key: 'entry',
        label: 'Entry pages',
        dimension: 'visit:entry_page',
        metrics: ['visitors', 'visits'],
        columns: ['Visitors', 'Entrances'],
      },
      {
        key: 'exit',
        label: 'Exit pages',
        dimension: 'visit:exit_page',
        metrics: ['visitors', 'visits'],
        columns: ['Visitors', 'Exits'],
      },
    ],
  },
  {
    id: 'sources',
    title: 'Sources',
    tabs: [
      { key: 'channels', label: 'Channels', dimension: 'visit:channel', ...visitors },
      { key: 'sources', label: 'Sources', dimension: 'visit:source', ...visitors },
      { key: 'referrers', label: 'Referrers', dimension: 'visit:referrer', ...visitors },
      { key: 'utm_source', label: 'UTM source', dimension: 'visit:utm_source', ...visitors },
      { key: 'utm_medium', label: 'Medium', dimension: 'visit:utm_medium', ...visitors },
      { key: 'utm_campaign', label: 'Campaign', dimension: 'visit:utm_campaign', ...visitors },
    ],
  },
  {
    id: 'locations',
    title: 'Locations',
    tabs: [
      {
        key: 'countries',
        label: 'Countries',
        dimension: 'visit:country',
        ...visitors,
        display: country,
        next: 'regions',
      },
      { key: 'regions', label: 'Regions', dimension: 'visit:region', ...visitors, next: 'cities' },
      { key: 'cities', label: 'Cities', dimension: 'visit:city', ...visitors },
    ],
    credit:
      'IP geolocation by <a href="https://db-ip.com" rel="noopener" target="_blank">DB-IP</a>',
  },
  {
    id: 'devices',
    title: 'Devices',
    tabs: [
      { key: 'browsers', label: 'Browsers', dimension: 'visit:browser', ...visitors },
      { key: 'os', label: 'Operating systems', dimension: 'visit:os', ...visitors },
      { key: 'devices', label: 'Devices', dimension: 'visit:device', ...visitors },
    ],
  },
  {
    id: 'events',
    title: 'Events',
    tabs: [
      {
        key: 'names',
        label: 'Event types',
        dimension: 'event:name',
        metrics: ['visitors', 'events'],
        columns: ['Visitors', 'Events'],
        next: FIRST_EXTRA,
      },
    ],
    extraTabs: async (view) => {
      // With one event picked, its property keys; else the keys of all custom events.
      const picked = view.filters.some(([op, d]) => op === 'is' && d === 'event:name');
      const keys = await propertyKeys(
        view,
        picked ? [] : [['is_not', 'event:name', ['page_view', 'click', 'scroll']]],
      );
      return keys.slice(0, 5).map((key) => ({
        key: `prop:${key}`,
        label: `${key}`,
        dimension: `event:props:${key}`,
        metrics: ['visitors', 'events'],
        columns: ['Visitors', 'Events'],
      }));
    },
  },
];

export interface PanelHandlers {
  /** A row was clicked: filter the dashboard by it. */
  pick: (dimension: string, value: string) => void;
  error: (error: unknown) => void;
}

export interface Panel {
  def: PanelDef;
  /** Loads the active tab for the view (and the extra tabs), and draws it. */
  refresh(view: View): Promise<void>;
  /** Every tab's rows as CSV files (the view's ZIP). */
  csvFiles(view: View): Promise<Record<string, string>>;
  showTab(key: string): void;
}

const LIMIT = 10;

async function tabRows(view: View, tab: Tab, limit: number): Promise<Row[]> {
  const answer = await query(view, { metrics: tab.metrics, dimensions: [tab.dimension], limit });
  return answer.results.map((r) => ({
    value: r.dimensions[0]!,
    label: tab.display?.(r.dimensions[0]!),
    metrics: r.metrics.map((m) => m ?? 0),
  }));
}

export function createPanel(container: HTMLElement, def: PanelDef, handlers: PanelHandlers): Panel {
  container.innerHTML = `<header><h2>${def.title}</h2><nav class="tabs" role="tablist"></nav><button type="button" class="link csv" title="Download this list as CSV">CSV</button></header>
    <div class="columns"></div><ol class="bars"></ol>${def.credit ? `<p class="credit muted">${def.credit}</p>` : ''}`;
  const nav = container.querySelector<HTMLElement>('.tabs')!;
  const list = container.querySelector<HTMLElement>('ol')!;
  const columns = container.querySelector<HTMLElement>('.columns')!;
  let tabs = def.tabs;
  let active = def.tabs[0]!.key;
  let rows: Row[] = [];
  let lastView: View | undefined;

  const current = (): Tab => tabs.find((t) => t.key === active) ?? tabs[0]!;
  const drawTabs = (): void => {
    nav.replaceChildren(
      ...tabs.map((tab) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.setAttribute('role', 'tab');
        button.dataset.tab = tab.key;
        button.textContent = tab.label;
        button.setAttribute('aria-selected', String(tab.key === current().key));
        button.addEventListener('click', () => {
          active = tab.key;
          drawTabs();
          if (lastView) void load(lastView);
        });
        return button;
      }),
    );
  };
  const draw = (): void => {
    const tab = current();
    columns.replaceChildren(
      ...[singular(tab.label), ...tab.columns].map((c) =>
        Object.assign(document.createElement('span'), { textContent: c }),
      ),
    );
    renderBars(list, rows, {
      pick: (row) => {
        // Before the pick: it reloads the dashboard, this panel with the tab it should show.
        if (tab.next) active = tab.next;
        drawTabs();
        handlers.pick(tab.dimension, row.value);
      },
    });
  };
  const load = async (view: View): Promise<void> => {
    const tab = current();
    container.classList.add('loading');
    try {
      rows = await tabRows(view, tab, LIMIT);
      if (view === lastView && tab === current()) draw();
    } catch (error) {
      handlers.error(error);
    } finally {
      container.classList.remove('loading');
    }
  };

  container.querySelector('.csv')!.addEventListener('click', () => {
    const tab = current();
    void (async () => {
      const all = lastView ? await tabRows(lastView, tab, 1000) : rows;
      downloadCsv(`${def.id}-${tab.key}.csv`, csvOf(tab, all));
    })().catch(handlers.error);
  });
  drawTabs();

  return {
    def,
    async refresh(view) {
      lastView = view;
      if (active === FIRST_EXTRA) {
        // A picked event: show its first property, once its keys are known.
        const extra = def.extraTabs ? await def.extraTabs(view).catch(() => []) : [];
        tabs = [...def.tabs, ...extra];
        active = extra[0]?.key ?? def.tabs[0]!.key;
        drawTabs();
        await load(view);
        return;
      }
      const extra = def.extraTabs ? def.extraTabs(view).catch(() => []) : Promise.resolve([]);
      await load(view);
      tabs = [...def.tabs, ...(await extra)];
      drawTabs();
    },
    async csvFiles(view) {
      const files: Record<string, string> = {};
      for (const tab of tabs)
        files[`${def.id}-${tab.key.replace(/[^a-z0-9_-]/gi, '_')}.csv`] = csvOf(
          tab,
          await tabRows(view, tab, 1000),
        );
      return files;
    },
    showTab(key) {
      active = key;
      drawTabs();
    },
  };
}

function csvOf(tab: Tab, rows: Row[]): string {
  return toCsv(
    [tab.dimension, ...tab.metrics],
    rows.map((r) => [r.value, ...r.metrics]),
  );
}

/** "Countries" → "Country", "Top pages" → "Top page": the name of one row. */
function singular(label: string): string {
  return label.replace(/ies$/, 'y').replace(/s$/, '');
}
