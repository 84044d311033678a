import type { Granularity } from './time-buckets.js';
import type { TrackedEvent } from './tracked-event.js';

/**
 * The dimensions aggregates are kept for. `total` is the whole site (value ''). Page and total
 * keep minute buckets for live views; the others keep hours and days, which bounds the rows a
 * busy site writes.
 */
export const DIMENSIONS = [
  'total',
  'page',
  'event_type',
  'referrer',
  'browser',
  'os',
  'device',
  'utm_source',
  'utm_medium',
  'utm_campaign',
] as const;

export type Dimension = (typeof DIMENSIONS)[number];

/** Granularities kept per dimension, finest first. */
export function granularitiesOf(dimension: Dimension): readonly Granularity[] {
  return dimension === 'total' || dimension === 'page'
    ? ['minute', 'hour', 'day']
    : ['hour', 'day'];
}

/** Unique-visitor sketches are kept for these dimensions, hourly and daily. */
export const SKETCH_DIMENSIONS: readonly Dimension[] = ['total', 'page'];
export const SKETCH_GRANULARITIES: readonly Granularity[] = ['hour', 'day'];

export const DIRECT = '(direct)';

/** The value an event takes in a dimension, or null when it does not count there. */
export function dimensionValue(event: TrackedEvent, dimension: Dimension): string | null {
  switch (dimension) {
    case 'total':
      return '';
    case 'page':
      return event.page;
    case 'event_type':
      return event.event_type;
    case 'referrer':
      // Navigation inside the site is not a referral; it is left out of the breakdown.
      if (!event.referrer_host) return DIRECT;
      return event.referrer_host === event.hostname ? null : event.referrer_host;
    case 'browser':
      return event.browser;
    case 'os':
      return event.os;
    case 'device':
      return event.device;
    case 'utm_source':
      return event.utm_source;
    case 'utm_medium':
      return event.utm_medium;
    case 'utm_campaign':
      return event.utm_campaign;
  }
}
