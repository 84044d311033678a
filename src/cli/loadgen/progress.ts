import type { StatsSnapshot } from './stats.js';

export interface ProgressTarget {
  write(text: string): unknown;
}

export interface ProgressOptions {
  out: ProgressTarget;
  /** A terminal gets one bar redrawn in place; a pipe or a CI log gets a plain line now and then. */
  tty: boolean;
  /** Total events (count mode) or milliseconds (duration mode), for the bar's fill. */
  goal: { events: number } | { ms: number };
  snapshot: () => StatsSnapshot;
  intervalMs?: number;
}

const BAR_WIDTH = 24;

/**
 * Progress while a run goes on. No dependency: a bar is a carriage return and a clear-to-end-of-
 * line escape, and the libraries' extras (multi-bars, themes) are not needed here.
 */
export function startProgress(options: ProgressOptions): { stop(): void } {
  const interval = options.intervalMs ?? (options.tty ? 250 : 5_000);
  const render = (): void => {
    const s = options.snapshot();
    const line = describeProgress(s, fractionDone(s, options.goal));
    options.out.write(options.tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  const timer = setInterval(render, interval);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (options.tty) {
        render();
        options.out.write('\n');
      }
    },
  };
}

function fractionDone(s: StatsSnapshot, goal: ProgressOptions['goal']): number {
  const done = 'events' in goal ? s.sent / goal.events : s.elapsedMs / goal.ms;
  return Math.min(1, Math.max(0, done));
}

export function describeProgress(s: StatsSnapshot, fraction: number): string {
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const errors = Object.values(s.errors).reduce((sum, n) => sum + (n ?? 0), 0);
  return `${bar} ${(fraction * 100).toFixed(0).padStart(3)}%  sent ${fmt(s.sent)}  accepted ${fmt(s.accepted)}  rejected ${fmt(s.rejected)}  errors ${fmt(errors)}  ${fmt(s.eventsPerSecond)} ev/s  p99 ${s.latencyMs.p99.toFixed(1)} ms`;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
