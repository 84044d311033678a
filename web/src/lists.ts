import { clock, count, shorten } from './format.js';
import type { LiveEvent } from './live.js';

export interface Row {
  /** The value the filter compares (a page, a country code…). */
  value: string;
  /** What the row shows; default: the value. */
  label?: string;
  metrics: number[];
}

/**
 * A ranked list with a proportional bar behind each row (the first metric). Long labels are
 * shortened in the middle, the full one is in the tooltip; a row is a button when `pick` is given.
 */
export function renderBars(
  list: HTMLElement,
  rows: Row[],
  options: { empty?: string; pick?: (row: Row) => void } = {},
): void {
  list.replaceChildren();
  if (rows.length === 0) {
    const item = document.createElement('li');
    item.className = 'empty';
    item.textContent = options.empty ?? 'No data in this range';
    list.append(item);
    return;
  }
  const max = Math.max(...rows.map((r) => r.metrics[0] ?? 0), 1);
  for (const row of rows) {
    const item = document.createElement('li');
    const label = row.label ?? row.value;
    item.title = `${label}: ${row.metrics.map(count).join(' · ')}`;
    item.style.setProperty('--share', `${((row.metrics[0] ?? 0) / max) * 100}%`);
    item.dataset.value = row.value;
    const text = document.createElement('span');
    text.className = 'label';
    text.textContent = shorten(label);
    item.append(text);
    for (const metric of row.metrics) {
      const value = document.createElement('span');
      value.className = 'value';
      value.textContent = count(metric);
      item.append(value);
    }
    if (options.pick) {
      item.tabIndex = 0;
      item.setAttribute('role', 'button');
      item.classList.add('pickable');
      const pick = options.pick;
      item.addEventListener('click', () => pick(row));
      item.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') pick(row);
      });
    }
    list.append(item);
  }
}

const KNOWN_TYPES = new Set(['page_view', 'click', 'scroll']);

function details(event: LiveEvent): string {
  if (event.eventType === 'scroll' && event.scrollDepth !== null)
    return `scrolled to ${event.scrollDepth} %`;
  if (event.element) {
    const what = event.element.text || event.element.href || event.element.tag || '';
    const tag = event.element.tag === 'a' ? 'link' : (event.element.tag ?? '');
    return `${event.element.outbound ? '↗ outbound ' : ''}${tag} “${what}”`;
  }
  if (event.eventType === 'page_view')
    return event.title ?? (event.referrer ? `from ${event.referrer}` : '');
  return event.properties ?? '';
}

function cell(text: string, className?: string, max = 60, title = text): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = shorten(text, max);
  td.title = title;
  if (className) td.className = className;
  return td;
}

/** One feed row: time, event type pill, page, what happened, visitor, browser and device. */
export function feedRow(event: LiveEvent): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.className = 'fresh';
  row.dataset.eventId = event.eventId;
  const type = document.createElement('td');
  const pill = document.createElement('span');
  pill.className = `pill ${KNOWN_TYPES.has(event.eventType) ? event.eventType : 'custom'}`;
  pill.textContent = event.eventType;
  type.append(pill);
  row.append(
    cell(clock(event.receivedAt), 'time'),
    type,
    cell(event.page, 'page', 48),
    cell(details(event), 'details', 70),
    cell(event.visitorId.slice(0, 8), 'visitor', 8, event.visitorId),
    cell(`${event.browser} · ${event.device}`, 'agent', 30),
  );
  return row;
}
