/**
 * Local time for the reference, computed its own way: every instant is read through
 * Intl.DateTimeFormat in the query's zone (what a wall clock there shows), and calendar arithmetic
 * is done on plain (year, month, day) dates. Nothing here shares code or ideas with
 * src/domain/stats/local-time.ts (constant-offset segments and local-epoch milliseconds).
 */
import type { TimeGranularity } from '../../../src/domain/stats/query-model.js';
import { SPEC_CHOICES } from './spec-choices.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** A calendar date, no zone. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

const WALL = /^(\d{2})\/(\d{2})\/(\d{4}), (\d{2}):(\d{2})$/;

/** What a wall clock in `zone` shows at `instant` (en-US: `10/25/2026, 02:30`). */
export function wallClock(instant: number, zone: string): WallClock {
  const text = formatterOf(zone).format(instant);
  const m = WALL.exec(text);
  if (!m) throw new Error(`unexpected wall clock text ${text}`);
  return {
    year: Number(m[3]),
    month: Number(m[1]),
    day: Number(m[2]),
    hour: Number(m[4]),
    minute: Number(m[5]),
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
export const dateLabel = (d: CalendarDate): string =>
  `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;

/** The date `days` after `d` (negative: before), by the proleptic Gregorian calendar. */
export function addDays(d: CalendarDate, days: number): CalendarDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function addMonths(d: CalendarDate, months: number): CalendarDate {
  const t = new Date(Date.UTC(d.year, d.month - 1 + months, 1));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: d.day };
}

/** Monday = 0 … Sunday = 6. */
function weekdayOf(d: CalendarDate): number {
  return (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7;
}

export function localDate(instant: number, zone: string): CalendarDate {
  const c = wallClock(instant, zone);
  return { year: c.year, month: c.month, day: c.day };
}

const compareDates = (a: CalendarDate, b: CalendarDate): number =>
  a.year - b.year || a.month - b.month || a.day - b.day;

/**
 * The first instant whose local date in `zone` is `d` or later: where that day begins there. Found
 * by bisection over instants (local dates only move forward), within 16 hours of `d`'s UTC midnight,
 * which every zone's offset is.
 */
export function startOfDay(d: CalendarDate, zone: string): number {
  let low = Date.UTC(d.year, d.month - 1, d.day) - 16 * HOUR;
  let high = Date.UTC(d.year, d.month - 1, d.day) + 16 * HOUR;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (compareDates(localDate(mid, zone), d) >= 0) high = mid;
    else low = mid;
  }
  return high;
}

/** The label of the bucket holding `instant` (docs/query.md, Dimensions: time). */
export function bucketLabel(instant: number, granularity: TimeGranularity, zone: string): string {
  const c = wallClock(instant, zone);
  const date = { year: c.year, month: c.month, day: c.day };
  if (granularity === 'minute') return `${dateLabel(date)} ${pad(c.hour)}:${pad(c.minute)}:00`;
  if (granularity === 'hour') return `${dateLabel(date)} ${pad(c.hour)}:00:00`;
  return dateBucketLabel(date, granularity);
}

/** Days are labelled by themselves, weeks by their Monday, months by their first day. */
function dateBucketLabel(date: CalendarDate, granularity: 'day' | 'week' | 'month'): string {
  if (granularity === 'day') return dateLabel(date);
  if (granularity === 'week') return dateLabel(addDays(date, -weekdayOf(date)));
  return dateLabel({ ...date, day: 1 });
}

/** What `time` stands for over [from, to): hours up to 2 days, days up to 62, months beyond. */
export function autoGranularity(from: number, to: number): TimeGranularity {
  if (to - from <= 2 * DAY) return 'hour';
  if (to - from <= 62 * DAY) return 'day';
  return 'month';
}

/**
 * Every bucket label that [from, to) touches, ascending; stops once it holds more than `max`.
 * Days, weeks and months: every local date from the first instant's to the last one's. Hours and
 * minutes: the labels of instants stepped through the range a minute apart (every zone's offset
 * is a whole number of minutes, so no bucket falls between two steps), skipping ahead a quarter
 * hour at a time where the label cannot change in between for hours.
 */
export function timeLabels(
  from: number,
  to: number,
  granularity: TimeGranularity,
  zone: string,
  max: number,
): string[] {
  const labels: string[] = [];
  const seen = new Set<string>();
  const push = (label: string): void => {
    if (!seen.has(label)) labels.push(label);
    seen.add(label);
  };
  if (granularity === 'day' || granularity === 'week' || granularity === 'month') {
    // Every local date between the first instant's and the last one's is some instant's (no zone
    // generated here skips a whole day), so the labels follow from the calendar.
    const last = localDate(to - 1, zone);
    for (
      let d = localDate(from, zone);
      compareDates(d, last) <= 0 && labels.length <= max;
      d = addDays(d, 1)
    )
      push(dateBucketLabel(d, granularity));
    return labels;
  }
  const step = granularity === 'minute' ? MINUTE : 15 * MINUTE;
  push(bucketLabel(from, granularity, zone));
  for (let t = Math.ceil((from + 1) / step) * step; t < to && labels.length <= max; t += step)
    push(bucketLabel(t, granularity, zone));
  if (labels.length <= max) push(bucketLabel(to - 1, granularity, zone));
  labels.sort();
  return SPEC_CHOICES.labelSkippedLocalTimes
    ? wallClockSteps(labels[0]!, labels.at(-1)!, step === MINUTE ? MINUTE : HOUR, max)
    : labels;
}

/** Every wall-clock label from `first` to `last` a minute or an hour apart, whether the zone has that time or not. */
function wallClockSteps(first: string, last: string, step: number, max: number): string[] {
  const read = (label: string): number => Date.parse(`${label.replace(' ', 'T')}Z`);
  const labels: string[] = [];
  for (let t = read(first); t <= read(last) && labels.length <= max; t += step) {
    const iso = new Date(t).toISOString();
    labels.push(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
  }
  return labels;
}
