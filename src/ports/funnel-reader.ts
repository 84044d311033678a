import type { FunnelCounts, FunnelPlan } from '../domain/funnel.js';

/**
 * Funnels over a store's raw events (docs/funnels.md). The embedded store answers in SQL; any
 * store that can list a range's counted events visit by visit gets one from
 * `createScanFunnel` (src/query/funnel/scan-funnel.ts) through VisitStepSource.
 */
export interface FunnelReader {
  readonly kind: string;
  funnel(plan: FunnelPlan): Promise<FunnelCounts>;
}

/** One counted visit: its visitor (any stable key) and its events in time order, each with the steps it matches. */
export interface VisitSteps {
  visitor: string;
  events: ReadonlyArray<{ ts: number; matches: number }>;
}

/**
 * A store that can list the counted visits of a funnel's range and filter (those starting in the
 * range, as the general query counts visits), each with its counted events that match any step.
 */
export interface VisitStepSource {
  readonly kind: string;
  visitSteps(plan: FunnelPlan, each: (visit: VisitSteps) => void): Promise<{ rowsRead: number }>;
}
