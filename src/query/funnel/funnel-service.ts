import { ClickstreamError } from '../../domain/errors.js';
import {
  funnelSteps,
  type FunnelCounts,
  type FunnelPlan,
  type FunnelStep,
} from '../../domain/funnel.js';
import { describeRange } from '../../domain/stats/date-range.js';
import { lowerGoalFilters, type Goal } from '../../domain/stats/goals.js';
import type { FilterExpr } from '../../domain/stats/query-model.js';
import type { FunnelReader } from '../../ports/funnel-reader.js';
import type { StatsEngine } from '../stats/stats-engine.js';
import type { ParsedFunnel } from './parse-funnel.js';

export interface FunnelAnswer {
  steps: FunnelStep[];
  meta: { store: string; exact: true; rows_read: number };
  query: { site_id: string; date_range: [string, string]; timezone: string };
}

export type FunnelService = ReturnType<typeof createFunnelService>;

const hasGoal = (filter: FilterExpr | null): boolean =>
  JSON.stringify(filter ?? []).includes('"event:goal"');

/** Runs a funnel: resolves its range like a query, lowers goals to filters, asks the store. */
export function createFunnelService(options: {
  stats: StatsEngine;
  reader: FunnelReader | undefined;
  goals(siteId: string): Promise<readonly Goal[]>;
}) {
  return {
    async run(parsed: ParsedFunnel): Promise<FunnelAnswer> {
      if (!options.reader)
        throw new ClickstreamError('INVALID_QUERY', 'funnels are not available on this store yet', {
          field: 'steps',
        });
      const query = await options.stats.resolve(parsed.request);
      const needsGoals = hasGoal(query.filter) || parsed.steps.some(hasGoal);
      const goals = needsGoals ? await options.goals(query.siteId) : [];
      const plan: FunnelPlan = {
        siteId: query.siteId,
        from: query.from,
        to: query.to,
        includeBots: query.includeBots,
        filter: lowerGoalFilters(query.filter, goals),
        steps: parsed.steps.map((s) => lowerGoalFilters(s, goals)!),
      };
      const counts: FunnelCounts = await options.reader.funnel(plan);
      return {
        steps: funnelSteps(counts.visitors),
        meta: { store: options.reader.kind, exact: true, rows_read: counts.rowsRead },
        query: {
          site_id: query.siteId,
          date_range: describeRange(query.from, query.to, query.timezone),
          timezone: query.timezone,
        },
      };
    },
  };
}
