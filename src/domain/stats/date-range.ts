import { DateTime } from 'luxon';
import { ClickstreamError } from '../errors.js';
import { DAY_MS } from './local-time.js';

export const DATE_RANGE_SHORTCUTS = [
  'day',
  '24h',
  '7d',
  '28d',
  '30d',
  'month',
  '6mo',
  '12mo',
  'year',
  'all',
] as const;
export type DateRangeShortcut = (typeof DATE_RANGE_SHORTCUTS)[number];
export type DateRangeInput = DateRangeShortcut | readonly [string, string];

export interface RangeContext {
  timezone: string;
  now: number;
  maxRangeDays: number;
  /** The site's first stored event, for `all` (null: nothing stored, so `all` is today). */
  firstEventAt: number | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(message: string): never {
  throw new ClickstreamError('INVALID_QUERY', message, { field: 'date_range' });
}

/** Resolves a date range (docs/query.md, Date ranges) to instants [from, to) in UTC ms. */
export function resolveDateRange(
  input: DateRangeInput,
  context: RangeContext,
): { from: number; to: number } {
  const zone = context.timezone;
  const today = DateTime.fromMillis(context.now, { zone }).startOf('day');
  const endOfToday = today.plus({ days: 1 }).toMillis();
  let from: number;
  let to: number;
  if (typeof input === 'string') {
    const month = today.startOf('month');
    switch (input) {
      case 'day':
        [from, to] = [today.toMillis(), endOfToday];
        break;
      case '24h':
        [from, to] = [context.now - DAY_MS, context.now];
        break;
      case '7d':
        [from, to] = [today.minus({ days: 6 }).toMillis(), endOfToday];
        break;
      case '28d':
        [from, to] = [today.minus({ days: 27 }).toMillis(), endOfToday];
        break;
      case '30d':
        [from, to] = [today.minus({ days: 29 }).toMillis(), endOfToday];
        break;
      case 'month':
        [from, to] = [month.toMillis(), month.plus({ months: 1 }).toMillis()];
        break;
      case '6mo':
        [from, to] = [month.minus({ months: 5 }).toMillis(), month.plus({ months: 1 }).toMillis()];
        break;
      case '12mo':
        [from, to] = [month.minus({ months: 11 }).toMillis(), month.plus({ months: 1 }).toMillis()];
        break;
      case 'year':
        [from, to] = [
          today.startOf('year').toMillis(),
          today.startOf('year').plus({ years: 1 }).toMillis(),
        ];
        break;
      case 'all': {
        const first =
          context.firstEventAt === null
            ? today
            : DateTime.fromMillis(Math.min(context.firstEventAt, context.now), { zone }).startOf(
                'day',
              );
        // `all` is cut to the most recent days a query may span.
        const earliest = DateTime.fromMillis(endOfToday, { zone })
          .minus({ days: context.maxRangeDays })
          .toMillis();
        [from, to] = [Math.max(first.toMillis(), earliest), endOfToday];
        break;
      }
      default:
        invalid(`must be one of ${DATE_RANGE_SHORTCUTS.join(', ')} or [from, to]`);
    }
  } else {
    from = instantOf(input[0], zone, 'start');
    to = instantOf(input[1], zone, 'end');
    if (from >= to) invalid('must not end before it starts');
  }
  // A daylight-saving day may be an hour longer than 24 hours: allow for it.
  if (to - from > context.maxRangeDays * DAY_MS + 3_600_000)
    invalid(`must span at most ${context.maxRangeDays} days`);
  return { from, to };
}

/** A date's first instant ('start') or the instant after its last ('end'); a date-time as given ('end': just after it). */
function instantOf(value: string, zone: string, side: 'start' | 'end'): number {
  if (DATE.test(value)) {
    const day = DateTime.fromISO(value, { zone });
    if (!day.isValid) invalid(`${value} is not a date`);
    return (side === 'start' ? day : day.plus({ days: 1 })).startOf('day').toMillis();
  }
  if (DATE_TIME.test(value)) {
    const time = DateTime.fromISO(value, { setZone: true });
    if (!time.isValid) invalid(`${value} is not a date-time`);
    return time.toMillis() + (side === 'end' ? 1 : 0);
  }
  return invalid(
    `${JSON.stringify(value).slice(0, 40)} is neither a date (2026-11-30) nor a date-time with a zone (2026-11-30T12:00:00Z)`,
  );
}

/** The range as the answer shows it: two instants in the query's zone, both included. */
export function describeRange(from: number, to: number, zone: string): [string, string] {
  return [
    DateTime.fromMillis(from, { zone }).toISO()!,
    DateTime.fromMillis(to - 1, { zone }).toISO()!,
  ];
}
