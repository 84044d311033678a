import { DateTime } from 'luxon';
import type { TimeGranularity } from './query-model.js';

/**
 * Time in a query's timezone. Buckets are keyed by their *local* start, in "local epoch"
 * milliseconds (the wall-clock time read as if it were UTC), so a day, week or month is one key
 * whatever daylight-saving change happens inside it. A store computes `local = t + offset(t)` with
 * the offsets of the range (a few constant segments), then floors local time to the bucket.
 */
export interface OffsetSegment {
  /** Instants [from, to) in UTC ms during which the zone's offset is `offsetMs`. */
  from: number;
  to: number;
  offsetMs: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function isValidTimezone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return DateTime.local().setZone(zone).isValid;
  } catch {
    return false;
  }
}

export function offsetAt(zone: string, time: number): number {
  return DateTime.fromMillis(time, { zone }).offset * MINUTE_MS;
}

/**
 * The zone's offsets over [from, to), as constant segments. The offset is sampled every 6 hours
 * and each change is narrowed down to the millisecond by bisection (zones change at most a few
 * times a year, never twice within 6 hours).
 */
export function offsetSegments(zone: string, from: number, to: number): OffsetSegment[] {
  const step = 6 * HOUR_MS;
  const segments: OffsetSegment[] = [];
  let start = from;
  let offset = offsetAt(zone, from);
  for (let probe = from + step; ; probe += step) {
    const at = Math.min(probe, to);
    const next = offsetAt(zone, at);
    if (next !== offset) {
      let low = at - step < start ? start : at - step;
      let high = at;
      while (high - low > 1) {
        const mid = Math.floor((low + high) / 2);
        if (offsetAt(zone, mid) === offset) low = mid;
        else high = mid;
      }
      segments.push({ from: start, to: high, offsetMs: offset });
      start = high;
      offset = offsetAt(zone, high);
    }
    if (at >= to) break;
  }
  segments.push({ from: start, to: Math.max(to, start + 1), offsetMs: offset });
  return segments;
}

/** Local-epoch ms of an instant, by the segments of its range. */
export function toLocal(time: number, segments: readonly OffsetSegment[]): number {
  for (const segment of segments) if (time < segment.to) return time + segment.offsetMs;
  return time + segments[segments.length - 1]!.offsetMs;
}

/** The local-epoch start of the bucket holding a local-epoch time. Weeks begin on Monday. */
export function bucketOfLocal(local: number, granularity: TimeGranularity): number {
  switch (granularity) {
    case 'minute':
      return Math.floor(local / MINUTE_MS) * MINUTE_MS;
    case 'hour':
      return Math.floor(local / HOUR_MS) * HOUR_MS;
    case 'day':
      return Math.floor(local / DAY_MS) * DAY_MS;
    case 'week': {
      // 1970-01-01 was a Thursday: day d is (d + 3) mod 7 days after a Monday.
      const day = Math.floor(local / DAY_MS);
      return (day - ((((day + 3) % 7) + 7) % 7)) * DAY_MS;
    }
    case 'month': {
      const date = new Date(local);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
  }
}

export function nextBucket(start: number, granularity: TimeGranularity): number {
  if (granularity === 'month') {
    const date = new Date(start);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  }
  return start + { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS, week: 7 * DAY_MS }[granularity];
}

/**
 * Every bucket start (local epoch) that [from, to) touches, in order; at most `max` + 1 of them.
 * Minutes and hours are found by walking the instants, so a local time that clocks skip (the hour
 * lost when summer time begins) is no bucket; days and longer all exist.
 */
export function bucketStarts(
  from: number,
  to: number,
  granularity: TimeGranularity,
  segments: readonly OffsetSegment[],
  max: number,
): number[] {
  const last = bucketOfLocal(toLocal(to - 1, segments), granularity);
  if (granularity === 'minute' || granularity === 'hour') {
    // Offsets are whole multiples of 15 minutes, so stepping by the smaller of that and the bucket
    // meets every bucket; a set, since clocks going back meet an hour's buckets twice.
    const step = granularity === 'minute' ? MINUTE_MS : 15 * MINUTE_MS;
    const seen = new Set<number>([last]);
    for (let t = from; t < to && seen.size <= max; t += step)
      seen.add(bucketOfLocal(toLocal(t, segments), granularity));
    return [...seen].sort((a, b) => a - b).slice(0, max + 1);
  }
  const starts: number[] = [];
  for (
    let b = bucketOfLocal(toLocal(from, segments), granularity);
    b <= last && starts.length <= max;
    b = nextBucket(b, granularity)
  )
    starts.push(b);
  return starts;
}

/** `2026-11-30 14:00:00` for minutes and hours, `2026-11-30` for days, weeks and months. */
export function bucketLabel(localStart: number, granularity: TimeGranularity): string {
  const iso = new Date(localStart).toISOString();
  return granularity === 'minute' || granularity === 'hour'
    ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
    : iso.slice(0, 10);
}

/** The granularity `time` stands for: hours up to 2 days, days up to 62, months beyond. */
export function autoGranularity(from: number, to: number): TimeGranularity {
  const span = to - from;
  if (span <= 2 * DAY_MS) return 'hour';
  if (span <= 62 * DAY_MS) return 'day';
  return 'month';
}
