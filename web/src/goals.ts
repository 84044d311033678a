import { goals as goalsApi, query, type Goal } from './api.js';
import { formText } from './dom.js';
import { downloadCsv, toCsv } from './export.js';
import { count } from './format.js';
import type { View } from './state.js';

/**
 * The goals card: each goal of the site with its visitors, events and conversion rate (% of the
 * range's visitors, as the general query counts it), a form to add one and × to delete one.
 * Clicking a goal filters the dashboard to the visitors' events that completed it.
 */
export interface GoalsPanel {
  refresh(view: View): Promise<void>;
  csv(view: View): Promise<string>;
}

interface GoalRow {
  goal: Goal;
  visitors: number;
  events: number;
  rate: number;
}

export function createGoalsPanel(
  card: HTMLElement,
  options: {
    readOnly: boolean;
    pick: (name: string) => void;
    error: (e: unknown) => void;
    changed: () => void;
  },
): GoalsPanel {
  const list = card.querySelector<HTMLElement>('ol')!;
  const form = card.querySelector<HTMLFormElement>('form')!;
  form.hidden = options.readOnly;
  let lastView: View | undefined;

  const load = async (view: View): Promise<GoalRow[]> => {
    const [goals, answer] = await Promise.all([
      goalsApi.list(view.site),
      query(view, {
        metrics: ['visitors', 'events', 'conversion_rate'],
        dimensions: ['event:goal'],
        limit: 100,
      }),
    ]);
    const byName = new Map(
      answer.results.map((r) => [r.dimensions[0]!, r.metrics.map((m) => m ?? 0)]),
    );
    return goals
      .map((goal) => {
        const [visitors = 0, events = 0, rate = 0] = byName.get(goal.name) ?? [];
        return { goal, visitors, events, rate };
      })
      .sort((a, b) => b.visitors - a.visitors || a.goal.name.localeCompare(b.goal.name));
  };

  const draw = (rows: GoalRow[]): void => {
    list.replaceChildren();
    if (rows.length === 0) {
      list.append(
        Object.assign(document.createElement('li'), {
          className: 'empty',
          textContent: options.readOnly
            ? 'No goals yet'
            : 'No goals yet: add a page or an event below',
        }),
      );
      return;
    }
    const max = Math.max(...rows.map((r) => r.rate), 1);
    for (const row of rows) {
      const item = document.createElement('li');
      item.className = 'pickable';
      item.dataset.goal = row.goal.name;
      item.style.setProperty('--share', `${(row.rate / max) * 100}%`);
      const target = row.goal.page_path
        ? `page ${row.goal.page_path}`
        : `event ${row.goal.event_name}${row.goal.property ? ` (${row.goal.property.key} = ${row.goal.property.value})` : ''}`;
      item.title = `${row.goal.name}: ${target}`;
      item.innerHTML =
        '<span class="label"></span><span class="value"></span><span class="value"></span><span class="value rate"></span>';
      const [label, visitors, events, rate] = [...item.children] as HTMLElement[];
      label!.textContent = row.goal.name;
      visitors!.textContent = count(row.visitors);
      events!.textContent = count(row.events);
      rate!.textContent = `${row.rate} %`;
      item.addEventListener('click', () => options.pick(row.goal.name));
      if (!options.readOnly) {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'row-remove';
        remove.textContent = '×';
        remove.setAttribute('aria-label', `Delete goal ${row.goal.name}`);
        remove.addEventListener('click', (event) => {
          event.stopPropagation();
          if (!window.confirm(`Delete the goal “${row.goal.name}”?`)) return;
          goalsApi.remove(row.goal.id).then(options.changed, options.error);
        });
        item.append(remove);
      }
      list.append(item);
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!lastView) return;
    const target = formText(form, 'target').trim();
    const name = formText(form, 'name').trim();
    // An event goal may ask for one property value: `plan=pro`.
    const property = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(formText(form, 'property'));
    const body = {
      site_id: lastView.site,
      ...(name ? { name } : {}),
      ...(formText(form, 'kind') === 'page'
        ? { page_path: target }
        : {
            event_name: target,
            ...(property ? { property: { key: property[1], value: property[2] } } : {}),
          }),
    };
    const status = form.querySelector<HTMLElement>('.form-error')!;
    goalsApi.create(body).then(
      () => {
        form.reset();
        status.textContent = '';
        options.changed();
      },
      (error: Error) => {
        status.textContent = error.message;
      },
    );
  });

  return {
    async refresh(view) {
      lastView = view;
      try {
        const rows = await load(view);
        if (view === lastView) draw(rows);
      } catch (error) {
        options.error(error);
      }
    },
    async csv(view) {
      const rows = await load(view);
      return toCsv(
        ['goal', 'target', 'visitors', 'events', 'conversion_rate'],
        rows.map((r) => [
          r.goal.name,
          r.goal.page_path ?? r.goal.event_name ?? '',
          r.visitors,
          r.events,
          r.rate,
        ]),
      );
    },
  };
}

export function goalsCsvDownload(panel: GoalsPanel, view: View): Promise<void> {
  return panel.csv(view).then((csv) => downloadCsv('goals.csv', csv));
}
