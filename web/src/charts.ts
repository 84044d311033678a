import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { count } from './format.js';

export interface SeriesSpec {
  label: string;
  color: string;
  /** Filled area under the line (the main metric). */
  fill?: boolean;
  /** A dashed line (the earlier period of a comparison). */
  dash?: boolean;
}

const AXIS = {
  stroke: '#6b7280',
  grid: { stroke: '#eef0f4', width: 1 },
  ticks: { stroke: '#eef0f4', width: 1 },
  font: '12px system-ui, sans-serif',
};

/**
 * A uPlot chart that follows its container's width. uPlot draws on canvas, so thousands of
 * points (a year of days, a week of hours) stay cheap to redraw.
 */
export function createTimeChart(
  container: HTMLElement,
  series: SeriesSpec[],
  height: number,
  options: { axes: boolean; bars?: boolean } = { axes: true },
) {
  let plot: uPlot | undefined;
  let specs = series;
  const width = (): number => Math.max(200, container.clientWidth);
  const build = (data: uPlot.AlignedData): uPlot => {
    const opts: uPlot.Options = {
      width: width(),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      padding: [8, 20, 0, 0],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
      axes: options.axes
        ? [{ ...AXIS }, { ...AXIS, size: 48, values: (_u, ticks) => ticks.map((t) => count(t)) }]
        : [{ show: false }, { show: false }],
      series: [
        {},
        ...specs.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: s.fill ? `${s.color}22` : undefined,
          dash: s.dash ? [6, 5] : undefined,
          points: { show: false },
          ...(options.bars
            ? { paths: uPlot.paths.bars?.({ size: [0.7, 12] }), fill: `${s.color}cc`, width: 0 }
            : {}),
        })),
      ],
    };
    return new uPlot(opts, data, container);
  };

  new ResizeObserver(() => plot?.setSize({ width: width(), height })).observe(container);

  return {
    /** x: epoch seconds; one array of values per series, in the order given (null: no point). */
    update(x: number[], values: Array<Array<number | null>>, nextSeries?: SeriesSpec[]): void {
      const data = [x, ...values] as uPlot.AlignedData;
      if (
        nextSeries &&
        nextSeries.map((s) => s.label).join() !== specs.map((s) => s.label).join()
      ) {
        specs = nextSeries;
        plot?.destroy();
        plot = undefined;
      }
      if (plot) plot.setData(data);
      else plot = build(data);
    },
  };
}
