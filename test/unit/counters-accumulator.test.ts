import { describe, expect, it } from 'vitest';
import { CounterAccumulator, countEvents, counterId } from '../../src/domain/counters.js';
import { DIMENSIONS, dimensionValue, granularitiesOf } from '../../src/domain/dimensions.js';
import { bucketStart } from '../../src/domain/time-buckets.js';
import { makeEvent } from '../support/events.js';

describe('countEvents', () => {
  it('adds the same rows as one add() per dimension and granularity (the plain definition)', () => {
    const start = Date.UTC(2026, 10, 28, 23, 58);
    const events = Array.from({ length: 400 }, (_, i) =>
      makeEvent({
        site_id: i % 3 === 0 ? 'a' : 'b',
        page: `/p${i % 7}`,
        event_type: i % 4 === 0 ? 'click' : 'page_view',
        timestamp: start + i * 17_000,
        is_bot: i % 5 === 0,
        referrer_host: i % 2 === 0 ? 'google.com' : null,
        utm_source: i % 6 === 0 ? 'mail' : null,
      }),
    );
    const fast = new CounterAccumulator();
    countEvents(events, fast);
    const plain = new CounterAccumulator();
    for (const event of events) {
      for (const dimension of DIMENSIONS) {
        const value = dimensionValue(event, dimension);
        if (value === null) continue;
        for (const granularity of granularitiesOf(dimension)) {
          plain.add(
            {
              site_id: event.site_id,
              dimension,
              value,
              granularity,
              bucket: bucketStart(event.timestamp, granularity),
              is_bot: event.is_bot,
            },
            { events: 1, pageviews: event.event_type === 'page_view' ? 1 : 0 },
          );
        }
      }
    }
    expect(new Map([...fast.deltas].sort())).toEqual(new Map([...plain.deltas].sort()));
    for (const [id, delta] of fast.deltas) expect(id).toBe(counterId(delta));
  });
});
