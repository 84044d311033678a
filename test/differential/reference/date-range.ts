/**
 * The reference's own reading of docs/query.md "Date ranges": [from, to) in UTC ms, computed on
 * calendar dates and Intl wall clocks (local-clock.ts), not with luxon as the engine does.
 */
import {
  addDays,
  addMonths,
  DAY,
  HOUR,
  localDate,
  startOfDay,
  type CalendarDate,
} from './local-clock.js';

export type RangeInput = string | readonly [string, string];

export interface RangeContext {
  zone: string;
  now: number;
  maxRangeDays: number;
  /** The site's first stored event (any, bots included), for `all`. */
  firstEventAt: number | null;
}

/** Null: the range is not one the query may ask (docs: at most maxRangeDays days, from before to). */
export function referenceRange(
  input: RangeInput,
  context: RangeContext,
): { from: number; to: number } | null {
  const { zone, now } = context;
  const today = localDate(now, zone);
  const dayStart = (d: CalendarDate): number => startOfDay(d, zone);
  const endOfToday = dayStart(addDays(today, 1));
  const thisMonth: CalendarDate = { ...today, day: 1 };
  const nextMonth = dayStart(addMonths(thisMonth, 1));
  let range: { from: number; to: number };
  if (typeof input === 'string') {
    switch (input) {
      case 'day':
        range = { from: dayStart(today), to: endOfToday };
        break;
      case '24h':
        range = { from: now - DAY, to: now };
        break;
      case '7d':
        range = { from: dayStart(addDays(today, -6)), to: endOfToday };
        break;
      case '28d':
        range = { from: dayStart(addDays(today, -27)), to: endOfToday };
        break;
      case '30d':
        range = { from: dayStart(addDays(today, -29)), to: endOfToday };
        break;
      case 'month':
        range = { from: dayStart(thisMonth), to: nextMonth };
        break;
      case '6mo':
        range = { from: dayStart(addMonths(thisMonth, -5)), to: nextMonth };
        break;
      case '12mo':
        range = { from: dayStart(addMonths(thisMonth, -11)), to: nextMonth };
        break;
      case 'year':
        range = {
          from: dayStart({ year: today.year, month: 1, day: 1 }),
          to: dayStart({ year: today.year + 1, month: 1, day: 1 }),
        };
        break;
      case 'all': {
        const first =
          context.firstEventAt === null
            ? today
            : localDate(Math.min(context.firstEventAt, now), zone);
        const earliest = dayStart(addDays(addDays(today, 1), -context.maxRangeDays));
        range = { from: Math.max(dayStart(first), earliest), to: endOfToday };
        break;
      }
      default:
        return null;
    }
  } else {
    const from = instantOf(input[0], zone, 'start');
    const to = instantOf(input[1], zone, 'end');
    if (from === null || to === null || from >= to) return null;
    range = { from, to };
  }
  // A daylight-saving change may make the days of the range an hour longer.
  return range.to - range.from > context.maxRangeDays * DAY + HOUR ? null : range;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** A date's first instant ('start') or the first after it ('end'); a date-time as given ('end': 1 ms after it). */
function instantOf(value: string, zone: string, side: 'start' | 'end'): number | null {
  const date = DATE.exec(value);
  if (date) {
    const d = { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) };
    return startOfDay(side === 'start' ? d : addDays(d, 1), zone);
  }
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const wall = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
    ms,
  );
  const offset =
    m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * HOUR + Number(m[11]) * 60_000);
  return wall - offset + (side === 'end' ? 1 : 0);
}
