import { DIMENSIONS, SKETCH_DIMENSIONS, SKETCH_GRANULARITIES, dimensionValue, granularitiesOf } from './dimensions.js';
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
    const id = counterId(key);
    let delta = this.deltas.get(id);
    if (!delta) {
      delta = { ...key, ...emptyValues() };
      this.deltas.set(id, delta);
    }
    delta.events += values.events ?? 0;
    delta.pageviews += values.pageviews ?? 0;
    delta.sessions += values.sessions ?? 0;
    delta.bounces += values.bounces ?? 0;
    delta.duration_ms += values.duration_ms ?? 0;
  }
}

/** Counter increments for a set of newly stored events (duplicates already removed). */
export function countEvents(events: readonly TrackedEvent[], into: CounterAccumulator): void {
  for (const event of events) {
    const values = { events: 1, pageviews: isPageView(event) ? 1 : 0 };
    for (const dimension of DIMENSIONS) {
      const value = dimensionValue(event, dimension);
      if (value === null) continue;
      for (const granularity of granularitiesOf(dimension)) {
        into.add(
          { site_id: event.site_id, dimension, value, granularity, bucket: bucketStart(event.timestamp, granularity), is_bot: event.is_bot },
          values,
        );
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
        const key: CounterKey = { site_id: event.site_id, dimension, value, granularity, bucket: bucketStart(event.timestamp, granularity), is_bot: event.is_bot };
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
