import { query } from './api.js';
import { country } from './format.js';
import { OPERATORS, type Filter, type Operator, type View } from './state.js';

/** The dimensions a person can filter by, as the dialog names them. */
export const FILTER_DIMENSIONS: Array<{ dimension: string; label: string }> = [
  { dimension: 'event:page', label: 'Page' },
  { dimension: 'visit:entry_page', label: 'Entry page' },
  { dimension: 'visit:exit_page', label: 'Exit page' },
  { dimension: 'visit:source', label: 'Source' },
  { dimension: 'visit:referrer', label: 'Referrer' },
  { dimension: 'visit:channel', label: 'Channel' },
  { dimension: 'visit:utm_source', label: 'UTM source' },
  { dimension: 'visit:utm_medium', label: 'UTM medium' },
  { dimension: 'visit:utm_campaign', label: 'UTM campaign' },
  { dimension: 'visit:country', label: 'Country' },
  { dimension: 'visit:region', label: 'Region' },
  { dimension: 'visit:city', label: 'City' },
  { dimension: 'visit:browser', label: 'Browser' },
  { dimension: 'visit:os', label: 'Operating system' },
  { dimension: 'visit:device', label: 'Device' },
  { dimension: 'event:name', label: 'Event' },
  { dimension: 'event:goal', label: 'Goal' },
  { dimension: 'event:props:', label: 'Property' },
];

export function dimensionLabel(dimension: string): string {
  if (dimension.startsWith('event:props:'))
    return `Property ${dimension.slice('event:props:'.length)}`;
  return FILTER_DIMENSIONS.find((d) => d.dimension === dimension)?.label ?? dimension;
}

/** Operators a dimension offers: goals only is / is not, `matches` for pages only (as the issue asks). */
export function operatorsOf(dimension: string): Operator[] {
  if (dimension === 'event:goal') return ['is', 'is_not'];
  const page =
    dimension === 'event:page' ||
    dimension === 'visit:entry_page' ||
    dimension === 'visit:exit_page';
  return page
    ? ['is', 'is_not', 'contains', 'contains_not', 'matches']
    : ['is', 'is_not', 'contains', 'contains_not'];
}

const valueLabel = (dimension: string, value: string): string =>
  dimension === 'visit:country' ? country(value) : value;

/** The chips of the active filters; × removes one. */
export function renderChips(
  container: HTMLElement,
  filters: readonly Filter[],
  remove: (index: number) => void,
): void {
  container.replaceChildren(
    ...filters.map(([op, dimension, values], index) => {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.dataset.dimension = dimension;
      const text = document.createElement('span');
      text.innerHTML = `${dimensionLabel(dimension)} <i>${OPERATORS[op]}</i> `;
      const value = document.createElement('b');
      value.textContent = values.map((v) => valueLabel(dimension, v)).join(' or ');
      text.append(value);
      const close = document.createElement('button');
      close.type = 'button';
      close.className = 'chip-remove';
      close.setAttribute(
        'aria-label',
        `Remove filter ${dimensionLabel(dimension)} ${OPERATORS[op]} ${values.join(', ')}`,
      );
      close.textContent = '×';
      close.addEventListener('click', () => remove(index));
      chip.append(text, close);
      return chip;
    }),
  );
  container.hidden = filters.length === 0;
}

/**
 * The filter dialog: a dimension (a property takes its key), an operator and a value, with the
 * view's most common values of that dimension as suggestions.
 */
export function setUpFilterDialog(
  dialog: HTMLDialogElement,
  view: () => View,
  add: (filter: Filter) => void,
): () => void {
  const form = dialog.querySelector('form')!;
  const dimension = form.querySelector<HTMLSelectElement>('[name=dimension]')!;
  const operator = form.querySelector<HTMLSelectElement>('[name=operator]')!;
  const key = form.querySelector<HTMLInputElement>('[name=key]')!;
  const value = form.querySelector<HTMLInputElement>('[name=value]')!;
  const suggestions = dialog.querySelector<HTMLDataListElement>('datalist')!;
  for (const d of FILTER_DIMENSIONS) dimension.add(new Option(d.label, d.dimension));

  const dimensionOf = (): string =>
    dimension.value === 'event:props:' ? `event:props:${key.value.trim()}` : dimension.value;
  const suggest = async (): Promise<void> => {
    suggestions.replaceChildren();
    const d = dimensionOf();
    if (d === 'event:props:' || d === 'event:goal') return;
    const metric = d.startsWith('event:') ? 'events' : 'visitors';
    const answer = await query(view(), { metrics: [metric], dimensions: [d], limit: 25 }).catch(
      () => undefined,
    );
    for (const row of answer?.results ?? [])
      suggestions.append(new Option(valueLabel(d, row.dimensions[0]!), row.dimensions[0]));
  };
  const onDimension = (): void => {
    key.closest('label')!.hidden = dimension.value !== 'event:props:';
    operator.replaceChildren(
      ...operatorsOf(dimension.value).map((op) => new Option(OPERATORS[op], op)),
    );
    void suggest();
  };
  dimension.addEventListener('change', onDimension);
  key.addEventListener('change', () => void suggest());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const d = dimensionOf();
    if (!value.value.trim() || d === 'event:props:') return;
    add([operator.value as Operator, d, [value.value.trim()]]);
    dialog.close();
  });
  dialog.querySelector('[data-close]')!.addEventListener('click', () => dialog.close());
  return () => {
    value.value = '';
    onDimension();
    dialog.showModal();
    value.focus();
  };
}
