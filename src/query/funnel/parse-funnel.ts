import { ClickstreamError, isClickstreamError } from '../../domain/errors.js';
import { FUNNEL_LIMITS } from '../../domain/funnel.js';
import { parseStatsRequest, type ParsedRequest } from '../../domain/stats/parse-request.js';
import type { FilterExpr } from '../../domain/stats/query-model.js';
import { invalid, isRecord } from '../../domain/query-input.js';

export interface ParsedFunnel {
  /** The range, timezone, filters and bots, as the general query parses them. */
  request: ParsedRequest;
  steps: FilterExpr[];
}

const KNOWN = ['site_id', 'date_range', 'timezone', 'steps', 'filters', 'include'];

/**
 * `{ site_id, date_range, steps: [filter, …], filters?, timezone?, include?: { bots } }`. Steps and
 * filters are the general query's filters, checked by its parser, so a mistake names its field
 * (`steps[1][2][0]`) as a query's would.
 */
export function parseFunnelRequest(body: unknown): ParsedFunnel {
  if (!isRecord(body)) invalid('body', 'must be a JSON object');
  for (const key of Object.keys(body))
    if (!KNOWN.includes(key)) invalid(key, `is not a known field; use ${KNOWN.join(', ')}`);
  const steps = parseSteps(body.steps);
  const rest = Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'steps'));
  const request = parseStatsRequest({ ...rest, metrics: ['visitors'] });
  return { request, steps: stepFilters(steps, body.site_id) };
}

/** Checks that `steps` is a list of 2 to 8 distinct filters; their content is checked by `stepFilters`. */
export function parseSteps(value: unknown): unknown[] {
  if (
    !Array.isArray(value) ||
    value.length < FUNNEL_LIMITS.minSteps ||
    value.length > FUNNEL_LIMITS.maxSteps
  ) {
    invalid(
      'steps',
      `must be a list of ${FUNNEL_LIMITS.minSteps} to ${FUNNEL_LIMITS.maxSteps} steps, each a filter such as ["is", "event:page", ["/pricing"]]`,
    );
  }
  const seen = new Set<string>();
  value.forEach((step, i) => {
    const key = JSON.stringify(step);
    if (seen.has(key))
      invalid(`steps[${i}]`, "repeats an earlier step; a funnel's steps are distinct");
    seen.add(key);
  });
  return value;
}

/** The steps as filter trees, each checked by the general query's parser. */
export function stepFilters(steps: readonly unknown[], siteId: unknown): FilterExpr[] {
  return steps.map((step, i) => {
    try {
      const parsed = parseStatsRequest({
        site_id: typeof siteId === 'string' ? siteId : 'x',
        metrics: ['visitors'],
        date_range: 'day',
        filters: [step],
      });
      return parsed.filter!;
    } catch (error) {
      if (!isClickstreamError(error) || error.field === undefined) throw error;
      throw new ClickstreamError(error.code, error.message, {
        field: error.field.replace(/^filters\[0\]/, `steps[${i}]`),
        cause: error,
      });
    }
  });
}
