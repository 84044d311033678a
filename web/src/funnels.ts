import { funnels as funnelsApi, type FunnelStep, type SavedFunnel } from './api.js';
import { toCsv } from './export.js';
import { count } from './format.js';
import type { View } from './state.js';

/**
 * The funnel card: pick a saved funnel of the site or build one (2 to 8 steps, each a page, an
 * event or a goal), see it as bars of visitors per step with conversion and drop-off, save it.
 */
type StepKind = 'page' | 'event' | 'goal';
const DIMENSION: Record<StepKind, string> = {
  page: 'event:page',
  event: 'event:name',
  goal: 'event:goal',
};
const KIND_OF: Record<string, StepKind> = {
  'event:page': 'page',
  'event:name': 'event',
  'event:goal': 'goal',
};

export interface FunnelPanel {
  refresh(view: View): Promise<void>;
  csv(view: View): Promise<string | null>;
}

export function createFunnelPanel(
  card: HTMLElement,
  options: { readOnly: boolean; error: (e: unknown) => void },
): FunnelPanel {
  const select = card.querySelector<HTMLSelectElement>('select[name=funnel]')!;
  const builder = card.querySelector<HTMLFormElement>('form')!;
  const stepsBox = builder.querySelector<HTMLElement>('.steps')!;
  const chart = card.querySelector<HTMLElement>('.funnel-chart')!;
  const status = builder.querySelector<HTMLElement>('.form-error')!;
  const remove = card.querySelector<HTMLButtonElement>('button[data-action=delete]')!;
  let saved: SavedFunnel[] = [];
  let lastView: View | undefined;
  let shown: { name: string; steps: unknown[][]; answer: FunnelStep[] } | undefined;
  builder.querySelector<HTMLButtonElement>('button[data-action=save]')!.hidden = options.readOnly;
  builder.querySelector<HTMLInputElement>('[name=name]')!.closest('label')!.hidden =
    options.readOnly;
  remove.hidden = true;

  const addStep = (kind: StepKind = 'page', value = ''): void => {
    if (stepsBox.children.length >= 8) return;
    const row = document.createElement('div');
    row.className = 'step';
    row.innerHTML = `<span class="n"></span><select aria-label="Step kind"><option value="page">Page</option><option value="event">Event</option><option value="goal">Goal</option></select>
      <input aria-label="Step value" placeholder="/pricing, signup…" required /><button type="button" class="link" aria-label="Remove step">×</button>`;
    row.querySelector('select')!.value = kind;
    row.querySelector('input')!.value = value;
    row.querySelector('button')!.addEventListener('click', () => {
      if (stepsBox.children.length > 2) row.remove();
      number();
    });
    stepsBox.append(row);
    number();
  };
  const number = (): void =>
    [...stepsBox.children].forEach((row, i) => {
      row.querySelector('.n')!.textContent = `${i + 1}.`;
    });
  const stepsOfForm = (): unknown[][] =>
    [...stepsBox.querySelectorAll('.step')].map((row) => {
      const kind = row.querySelector('select')!.value as StepKind;
      return ['is', DIMENSION[kind], [row.querySelector('input')!.value.trim()]];
    });
  const fillForm = (steps: unknown[][]): void => {
    stepsBox.replaceChildren();
    for (const step of steps)
      addStep(KIND_OF[String(step[1])] ?? 'page', String((step[2] as string[])[0] ?? ''));
  };
  const labelOf = (step: unknown[]): string =>
    `${KIND_OF[String(step[1])] ?? String(step[1])}${step[0] === 'is' ? '' : ` ${String(step[0]).replace('_', ' ')}`} ${(step[2] as string[]).join(' or ')}`;

  const draw = (): void => {
    chart.replaceChildren();
    if (!shown) {
      chart.append(
        Object.assign(document.createElement('p'), {
          className: 'empty',
          textContent:
            'Pick a funnel or build one: 2 to 8 steps a visitor does in order within one visit.',
        }),
      );
      return;
    }
    shown.answer.forEach((step, i) => {
      const bar = document.createElement('div');
      bar.className = 'funnel-step';
      bar.style.setProperty('--share', `${step.conversion_rate}%`);
      bar.innerHTML =
        '<span class="label"></span><span class="value"></span><span class="muted"></span>';
      const [label, value, detail] = [...bar.children] as HTMLElement[];
      label!.textContent = `${i + 1}. ${labelOf(shown!.steps[i]!)}`;
      value!.textContent = `${count(step.visitors)} visitors`;
      detail!.textContent =
        i === 0
          ? '100 %'
          : `${step.conversion_rate} % · −${count(step.dropoff)} (${step.dropoff_rate} %)`;
      chart.append(bar);
    });
  };

  const run = async (name: string, steps: unknown[][]): Promise<void> => {
    if (!lastView) return;
    const view = lastView;
    const answer = await funnelsApi.run(view, steps);
    if (view !== lastView) return;
    shown = { name, steps, answer: answer.steps };
    status.textContent = '';
    draw();
  };
  const runSelected = async (): Promise<void> => {
    const funnel = saved.find((f) => f.id === select.value);
    remove.hidden = options.readOnly || !funnel;
    if (funnel) {
      fillForm(funnel.steps);
      await run(funnel.name, funnel.steps);
    } else {
      shown = undefined;
      draw();
    }
  };

  select.addEventListener('change', () => void runSelected().catch(options.error));
  builder.querySelector('button[data-action=add]')!.addEventListener('click', () => addStep());
  builder.addEventListener('submit', (event) => {
    event.preventDefault();
    const action = (event.submitter as HTMLButtonElement | null)?.dataset.action;
    const steps = stepsOfForm();
    if (action === 'save' && lastView) {
      const name = builder.querySelector<HTMLInputElement>('[name=name]')!.value.trim();
      funnelsApi.create({ site_id: lastView.site, name, steps }).then(
        async (funnel) => {
          saved = await funnelsApi.list(lastView!.site);
          fillSelect(funnel.id);
          await runSelected();
        },
        (error: Error) => {
          status.textContent = error.message;
        },
      );
    } else {
      run('New funnel', steps).catch((error: Error) => {
        status.textContent = error.message;
      });
    }
  });
  remove.addEventListener('click', () => {
    const funnel = saved.find((f) => f.id === select.value);
    if (!funnel || !window.confirm(`Delete the funnel “${funnel.name}”?`)) return;
    funnelsApi.remove(funnel.id).then(async () => {
      saved = saved.filter((f) => f !== funnel);
      fillSelect('');
      await runSelected();
    }, options.error);
  });
  const fillSelect = (selected: string): void => {
    select.replaceChildren(
      new Option(saved.length ? 'Choose a funnel…' : 'No saved funnels', ''),
      ...saved.map((f) => new Option(f.name, f.id, false, f.id === selected)),
    );
    select.value = selected;
  };
  addStep('page', '/');
  addStep('event', '');
  draw();

  return {
    async refresh(view) {
      const siteChanged = lastView?.site !== view.site;
      lastView = view;
      try {
        if (siteChanged) {
          saved = await funnelsApi.list(view.site);
          fillSelect(saved[0]?.id ?? '');
          await runSelected();
        } else if (shown) {
          await run(shown.name, shown.steps);
        }
      } catch (error) {
        options.error(error);
      }
    },
    async csv(view) {
      if (!shown) return null;
      const answer = await funnelsApi.run(view, shown.steps);
      return toCsv(
        ['step', 'filter', 'visitors', 'conversion_rate', 'dropoff', 'dropoff_rate'],
        answer.steps.map((s, i) => [
          i + 1,
          JSON.stringify(shown!.steps[i]),
          s.visitors,
          s.conversion_rate,
          s.dropoff,
          s.dropoff_rate,
        ]),
      );
    },
  };
}
