import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import {
  isBounce,
  planVisits,
  touchWindow,
  VISIT_GAP_MS,
  type Visit,
} from '../../src/domain/visits.js';
import { makeEvent } from '../support/events.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 1);

/** Visits straight from the definition: sort everything, cut at gaps over 30 minutes. */
function sessionize(events: readonly TrackedEvent[]) {
  const sorted = [...events].sort(
    (a, b) => a.timestamp - b.timestamp || (a.event_id < b.event_id ? -1 : 1),
  );
  const runs: TrackedEvent[][] = [];
  for (const e of sorted) {
    const run = runs.at(-1);
    if (run && e.timestamp - run.at(-1)!.timestamp <= VISIT_GAP_MS) run.push(e);
    else runs.push([e]);
  }
  return runs.map((run) => {
    const views = run.filter((e) => e.event_type === 'page_view');
    return {
      start: run[0]!.timestamp,
      end: run.at(-1)!.timestamp,
      firstEvent: run[0]!.event_id,
      entry: views[0]?.page ?? null,
      exit: views.at(-1)?.page ?? null,
      pageviews: views.length,
      events: run.length,
      bounce:
        views.length <= 1 &&
        run.every((e) => e.event_type === 'page_view' || e.event_type === 'scroll'),
      source: run[0]!.utm_source ?? 'Direct / None',
      members: run.map((e) => e.event_id).sort(),
    };
  });
}

/** Folds batches in arrival order, as a store does, keeping visits and each event's visit. */
function fold(batches: readonly TrackedEvent[][]) {
  let stored: Visit[] = [];
  const visitOf = new Map<string, string>();
  for (const batch of batches) {
    const window = touchWindow(batch);
    const near = stored.filter((v) => v.last.ts >= window.from && v.first.ts <= window.to);
    const plan = planVisits(near, batch);
    const gone = new Set([
      ...plan.merged.map((m) => m.visit.visitId),
      ...plan.changes.map((c) => c.after.visitId),
    ]);
    stored = [...stored.filter((v) => !gone.has(v.visitId)), ...plan.changes.map((c) => c.after)];
    for (const [event, visit] of plan.visitOf) visitOf.set(event, visit);
    for (const m of plan.merged)
      for (const [event, visit] of visitOf)
        if (visit === m.visit.visitId) visitOf.set(event, m.into);
  }
  return stored
    .sort((a, b) => a.first.ts - b.first.ts)
    .map((v) => ({
      start: v.first.ts,
      end: v.last.ts,
      firstEvent: v.first.eventId,
      entry: v.entry?.page ?? null,
      exit: v.exit?.page ?? null,
      pageviews: v.pageviews,
      events: v.events,
      bounce: isBounce(v),
      source: v.attributes.source,
      members: [...visitOf]
        .filter(([, visit]) => visit === v.visitId)
        .map(([event]) => event)
        .sort(),
    }));
}

const eventArb = fc.record({
  minute: fc.integer({ min: 0, max: 300 }),
  second: fc.integer({ min: 0, max: 2 }),
  type: fc.constantFrom('page_view', 'page_view', 'click', 'scroll', 'signup'),
  page: fc.constantFrom('/a', '/b', '/c'),
  source: fc.constantFrom(null, 'news', 'mail'),
  arrival: fc.integer(),
});

describe('planVisits', () => {
  it('gives the visits of the whole history whatever the arrival order and batching', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 20 }),
        (specs, cuts) => {
          const events = specs.map((s, i) =>
            makeEvent({
              event_id: `e${String(i).padStart(3, '0')}`,
              timestamp: T0 + s.minute * MIN + s.second * 1000,
              event_type: s.type,
              page: s.page,
              utm_source: s.source,
            }),
          );
          // Arrival order: by each event's random arrival key, cut into batches of the given sizes.
          const arrival = events
            .map((e, i) => ({ e, key: specs[i]!.arrival }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.e);
          const batches: TrackedEvent[][] = [];
          for (let i = 0, c = 0; i < arrival.length; c++) {
            const size = cuts[c % cuts.length]!;
            batches.push(arrival.slice(i, i + size));
            i += size;
          }
          expect(fold(batches)).toEqual(sessionize(events));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('joins two visits when a late event closes the gap, keeping the earlier visit', () => {
    const a = makeEvent({ event_id: 'a-first', timestamp: T0 });
    const b = makeEvent({ event_id: 'b-first', timestamp: T0 + 50 * MIN, page: '/b' });
    const first = planVisits([], [a, b]);
    expect(first.changes).toHaveLength(2);
    const bridge = makeEvent({ event_id: 'bridge', timestamp: T0 + 25 * MIN, event_type: 'click' });
    const second = planVisits(
      first.changes.map((c) => c.after),
      [bridge],
    );
    expect(second.merged).toEqual([{ visit: first.changes[1]!.after, into: 'a-first' }]);
    expect(second.changes).toHaveLength(1);
    expect(second.changes[0]).toMatchObject({
      rewriteEvents: true,
      after: { visitId: 'a-first', events: 3, pageviews: 2, interactions: 1, exit: { page: '/b' } },
    });
  });

  it('takes attributes from the earliest event, even one that arrives later', () => {
    const late = makeEvent({ event_id: 'late', timestamp: T0 + 10 * MIN, utm_source: 'news' });
    const plan = planVisits([], [late]);
    const earlier = makeEvent({
      event_id: 'earlier',
      timestamp: T0,
      utm_source: 'mail',
      page: '/landing',
    });
    const next = planVisits(
      plan.changes.map((c) => c.after),
      [earlier],
    );
    expect(next.changes[0]).toMatchObject({
      rewriteEvents: true,
      after: { visitId: 'late', attributes: { source: 'mail' }, entry: { page: '/landing' } },
    });
  });
});
