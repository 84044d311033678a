import {
  funnelDepth,
  visitorsPerStep,
  type FunnelCounts,
  type FunnelPlan,
} from '../../domain/funnel.js';
import type { FunnelReader, VisitStepSource } from '../../ports/funnel-reader.js';

/**
 * A funnel for any store that lists visits with their step matches: each visit's depth by
 * `funnelDepth`, each visitor counted at the deepest step any of their visits reached.
 */
export function createScanFunnel(source: VisitStepSource): FunnelReader {
  return {
    kind: source.kind,
    async funnel(plan: FunnelPlan): Promise<FunnelCounts> {
      const deepest = new Map<string, number>();
      const { rowsRead } = await source.visitSteps(plan, (visit) => {
        const depth = funnelDepth(visit.events, plan.steps.length);
        if (depth > (deepest.get(visit.visitor) ?? 0)) deepest.set(visit.visitor, depth);
      });
      return { visitors: visitorsPerStep(deepest.values(), plan.steps.length), rowsRead };
    },
  };
}
