import { ClickstreamError } from '../domain/errors.js';
import { bucketStart, ceilToBucket } from '../domain/time-buckets.js';

export interface RangeInput {
  from?: string | undefined;
  to?: string | undefined;
}

export interface RangeLimits {
  maxRangeDays: number;
  /** Used when `from` is absent: this many days before `to`. */
  defaultDays: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const EPOCH_MS = /^\d{1,15}$/;

/**
 * Resolves `from`/`to` (ISO date, ISO date-time with zone, or epoch ms) into a minute-aligned
 * [from, to) range. A bare date means its UTC midnight; `to` defaults to now.
 */
export function resolveRange(
  input: RangeInput,
  limits: RangeLimits,
  now = Date.now(),
): { from: number; to: number } {
  const givenTo = input.to === undefined ? undefined : parseTime(input.to, 'to');
  const to = ceilToBucket(givenTo ?? now + 1, 'minute');
  const givenFrom = input.from === undefined ? undefined : parseTime(input.from, 'from');
  // A given `to` is compared before widening to minutes, which would hide an inversion inside one minute.
  if (givenFrom !== undefined && givenFrom > (givenTo ?? to))
    throw new ClickstreamError('INVALID_QUERY', 'must not be after to', { field: 'from' });
  const from =
    givenFrom === undefined
      ? to - limits.defaultDays * 86_400_000
      : bucketStart(givenFrom, 'minute');
  if (to - from > limits.maxRangeDays * 86_400_000) {
    throw new ClickstreamError(
      'INVALID_QUERY',
      `range must span at most ${limits.maxRangeDays} days`,
      { field: 'from' },
    );
  }
  return { from, to };
}

function parseTime(value: string, field: string): number {
  let time = Number.NaN;
  if (EPOCH_MS.test(value)) time = Number(value);
  else if (DATE_ONLY.test(value)) time = Date.parse(`${value}T00:00:00Z`);
  else if (DATE_TIME.test(value)) time = Date.parse(value);
  if (!Number.isFinite(time)) {
    throw new ClickstreamError(
      'INVALID_QUERY',
      'must be a date (2026-01-31), a date-time with zone (2026-01-31T12:00:00Z) or epoch milliseconds',
      { field },
    );
  }
  return time;
}
