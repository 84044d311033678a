import type { Row } from './api.js';
import { clock, count, shorten } from './format.js';
import type { LiveEvent } from './live.js';

/**
 * A ranked list with a proportional bar behind each row. Long labels are shortened in the
 * middle, the full one is in the tooltip; only the top rows are shown, so it stays readable with
 * thousands of pages.
 */
export function renderBars(list: HTMLElement, rows: Row[], empty = 'No data in this range'): void {
  list.replaceChildren();
  if (rows.length === 0) {
    const item = document.createElement('li');
    item.className = 'empty';
    item.textContent = empty;
    list.append(item);
    return;
  }
  const max = Math.max(...rows.map((r) => r.value), 1);
  for (const row of rows) {
    const item = document.createElement('li');
    item.title = `${row.label}: ${count(row.value)}`;
    item.style.setProperty('--share', `${(row.value / max) * 100}%`);
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = shorten(row.label);
    const value = document.createElement('span');
    value.className = 'value';
    value.textContent = count(row.value);
    item.append(label, value);
    list.append(item);
  }
}

const KNOWN_TYPES = new Set(['page_view', 'click', 'scroll']);

function details(event: LiveEvent): string {
  if (event.eventType === 'scroll' && event.scrollDepth !== null) return `scrolled to ${event.scrollDepth} %`;
  if (event.element) {
    const what = event.element.text || event.element.href || event.element.tag || '';
    const tag = event.element.tag === 'a' ? 'link' : event.element.tag ?? '';
    return `${event.element.outbound ? '↗ outbound ' : ''}${tag} “${what}”`;
  }
  if (event.eventType === 'page_view') return event.title ?? (event.referrer ? `from ${event.referrer}` : '');
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
