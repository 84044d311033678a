/**
 * Visits straight from docs/query.md "Visits", built from scratch out of every stored event of a
 * visitor: sort by (timestamp, event_id), cut where more than 30 minutes pass. Nothing incremental,
 * nothing shared with src/domain/visits.ts (the planner the stores fold batches with).
 *
 * `visitAttributesOf` is imported: it is the data definition of docs/query.md's source, referrer,
 * channel and label rules (host lists, `www.` stripping), unit-tested on its own in
 * test/unit/visits.test.ts; the reference checks what the stores do with those attributes.
 */
import type { TrackedEvent } from '../../../src/domain/tracked-event.js';
import { visitAttributesOf, type VisitAttributes } from '../../../src/domain/visit-attributes.js';

export const GAP_MS = 30 * 60_000;
export const NONE_LABEL = '(none)';

export interface RefVisit {
  /** Events in visit order. */
  events: TrackedEvent[];
  start: number;
  durationMs: number;
  isBot: boolean;
  attributes: VisitAttributes;
  entryPage: string;
  exitPage: string;
  pageviews: number;
  bounced: boolean;
}

/** Event order within a visitor: timestamp, then event_id as JS strings compare. */
export function byTime(a: TrackedEvent, b: TrackedEvent): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}

/** One copy per event_id: the first one stored (a retry repeats the same event). */
export function dedupe(events: readonly TrackedEvent[]): TrackedEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => !seen.has(e.event_id) && seen.add(e.event_id));
}

export function buildVisits(events: readonly TrackedEvent[]): {
  visits: RefVisit[];
  visitOf: Map<TrackedEvent, RefVisit>;
} {
  const byVisitor = new Map<string, TrackedEvent[]>();
  for (const e of events) {
    const key = JSON.stringify([e.site_id, e.visitor_id]);
    const list = byVisitor.get(key);
    if (list) list.push(e);
    else byVisitor.set(key, [e]);
  }
  const visits: RefVisit[] = [];
  const visitOf = new Map<TrackedEvent, RefVisit>();
  for (const list of byVisitor.values()) {
    const sorted = [...list].sort(byTime);
    let run: TrackedEvent[] = [];
    for (const e of sorted) {
      if (run.length > 0 && e.timestamp - run.at(-1)!.timestamp > GAP_MS) {
        visits.push(visitOfRun(run));
        run = [];
      }
      run.push(e);
    }
    visits.push(visitOfRun(run));
  }
  for (const v of visits) for (const e of v.events) visitOf.set(e, v);
  return { visits, visitOf };
}

function visitOfRun(run: TrackedEvent[]): RefVisit {
  const first = run[0]!;
  const views = run.filter((e) => e.event_type === 'page_view');
  // An interaction is a click or a custom event: anything but a page view or a scroll milestone.
  const interactions = run.filter((e) => e.event_type !== 'page_view' && e.event_type !== 'scroll');
  return {
    events: run,
    start: first.timestamp,
    durationMs: run.at(-1)!.timestamp - first.timestamp,
    isBot: first.is_bot,
    attributes: visitAttributesOf(first),
    entryPage: views[0]?.page ?? NONE_LABEL,
    exitPage: views.at(-1)?.page ?? NONE_LABEL,
    pageviews: views.length,
    bounced: views.length <= 1 && interactions.length === 0,
  };
}
