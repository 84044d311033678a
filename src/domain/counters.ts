import {
  DIMENSIONS,
  SKETCH_DIMENSIONS,
  SKETCH_GRANULARITIES,
  dimensionValue,
  granularitiesOf,
} from './dimensions.js';
import type { Dimension } from './dimensions.js';
import { HyperLogLog } from './hyperloglog.js';
import { bucketStart, type Granularity } from './time-buckets.js';
import { isPageView, type TrackedEvent } from './tracked-event.js';

/** Additive metrics kept in counter rows. Session metrics live on the `total` dimension only. */
export interface CounterValues {
  events: number;
  pageviews: number;
  sessions: number;
  bounces: number;
  duration_ms: number;
}

export interface CounterKey {
  site_id: string;
  dimension: Dimension;
  value: string;
  granularity: Granularity;
  bucket: number;
  is_bot: boolean;
}

export interface CounterDelta extends CounterKey, CounterValues {}

export interface SketchDelta extends CounterKey {
  sketch: HyperLogLog;
}

export function emptyValues(): CounterValues {
  return { events: 0, pageviews: 0, sessions: 0, bounces: 0, duration_ms: 0 };
}

export function counterId(key: CounterKey): string {
  return `${key.site_id}\u0000${key.dimension}\u0000${key.value}\u0000${key.granularity}\u0000${key.bucket}\u0000${key.is_bot ? 1 : 0}`;
}

/** Accumulates counter deltas in memory so a micro-batch writes each row once. */
export class CounterAccumulator {
  readonly deltas = new Map<string, CounterDelta>();

  add(key: CounterKey, values: Partial<CounterValues>): void {
    const delta = this.row(
      key.site_id,
      key.dimension,
      key.value,
      key.granularity,
      key.bucket,
      key.is_bot,
    );
    delta.events += values.events ?? 0;
    delta.pageviews += values.pageviews ?? 0;
    delta.sessions += values.sessions ?? 0;
    delta.bounces += values.bounces ?? 0;
    delta.duration_ms += values.duration_ms ?? 0;
  }

  /**
   * The delta row of a key, created at zero. Positional arguments and a literal (no spreads): this
   * runs ~20 times per stored event, and key objects and spread copies made it the processor's
   * largest cost.
   */
  row(
    site_id: string,
    dimension: Dimension,
    value: string,
    granularity: Granularity,
    bucket: number,
    is_bot: boolean,
  ): CounterDelta {
    return this.rowWithId(
      `${site_id}\u0000${dimension}\u0000${value}\u0000${granularity}\u0000${bucket}\u0000${is_bot ? 1 : 0}`,
      site_id,
      dimension,
      value,
      granularity,
      bucket,
      is_bot,
    );
  }

  /** `id` must be counterId() of the other arguments; countEvents builds it from per-event parts. */
  rowWithId(
    id: string,
    site_id: string,
    dimension: Dimension,
    value: string,
    granularity: Granularity,
    bucket: number,
    is_bot: boolean,
  ): CounterDelta {
    let delta = this.deltas.get(id);
    if (delta === undefined) {
      delta = {
        site_id,
        dimension,
        value,
        granularity,
        bucket,
        is_bot,
        events: 0,
        pageviews: 0,
        sessions: 0,
        bounces: 0,
        duration_ms: 0,
      };
      this.deltas.set(id, delta);
    }
    return delta;
  }
}

/** Counter increments for a set of newly stored events (duplicates already removed). */
export function countEvents(events: readonly TrackedEvent[], into: CounterAccumulator): void {
  for (const event of events) {
    const pageviews = isPageView(event) ? 1 : 0;
    const bot = event.is_bot ? 1 : 0;
    const buckets = {
      minute: bucketStart(event.timestamp, 'minute'),
      hour: bucketStart(event.timestamp, 'hour'),
      day: bucketStart(event.timestamp, 'day'),
    };
    // The tail of counterId per granularity, built once per event instead of once per row.
    const tails = {
      minute: `\u0000minute\u0000${buckets.minute}\u0000${bot}`,
      hour: `\u0000hour\u0000${buckets.hour}\u0000${bot}`,
      day: `\u0000day\u0000${buckets.day}\u0000${bot}`,
    };
    const head = `${event.site_id}\u0000`;
    for (const dimension of DIMENSIONS) {
      const value = dimensionValue(event, dimension);
      if (value === null) continue;
      for (const granularity of granularitiesOf(dimension)) {
        const id = `${head}${dimension}\u0000${value}${tails[granularity]}`;
        const delta = into.rowWithId(
          id,
          event.site_id,
          dimension,
          value,
          granularity,
          buckets[granularity],
          event.is_bot,
        );
        delta.events += 1;
        delta.pageviews += pageviews;
      }
    }
  }
}

/** Unique-visitor sketch additions for a set of newly stored events. */
export function sketchVisitors(events: readonly TrackedEvent[]): Map<string, SketchDelta> {
  const sketches = new Map<string, SketchDelta>();
  for (const event of events) {
    const position = HyperLogLog.position(event.visitor_id);
    for (const dimension of SKETCH_DIMENSIONS) {
      const value = dimensionValue(event, dimension)!;
      for (const granularity of SKETCH_GRANULARITIES) {
        const key: CounterKey = {
          site_id: event.site_id,
          dimension,
          value,
          granularity,
          bucket: bucketStart(event.timestamp, granularity),
          is_bot: event.is_bot,
        };
        const id = counterId(key);
        let delta = sketches.get(id);
        if (!delta) {
          delta = { ...key, sketch: new HyperLogLog() };
          sketches.set(id, delta);
        }
        delta.sketch.addPosition(position);
      }
    }
  }
  return sketches;
}
