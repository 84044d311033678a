/**
 * The sampled side of the differential test: a larger event set (about 2,000 events of 300
 * visitors) sent to a store opened with a small raw-row budget, so that queries it cannot answer
 * from rollups are answered from a sample of visitor shards (docs/query.md, Sampling). Counts must
 * stay within the error the answer states; the case must actually sample, or it tests nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStatsRequest } from '../../src/domain/stats/parse-request.js';
import { commitEvents } from './commit-events.js';
import { answerProblems, sampledProblems } from './compare.js';
import { eventSetArb, SITES, type Anchor } from './event-generators.js';
import { engineFor, type StoreFactory } from './harness.js';
import type { QueryJson } from './query-generators.js';
import { referenceAnswer } from './reference/reference.js';

const SEED = 20_261_201;
const DAY = 86_400_000;

function samplingQueries(anchor: Anchor): QueryJson[] {
  const date = (days: number): string =>
    new Date(anchor.at + days * DAY).toISOString().slice(0, 10);
  const base = { site_id: SITES[0], date_range: [date(-2), date(2)] };
  // Filters that hold for (nearly) every event: the counts stay large, but rollups cannot answer.
  const everything = [['is_not', 'event:name', ['nope']]];
  return [
    { ...base, metrics: ['visitors', 'visits', 'pageviews', 'events'], filters: everything },
    {
      ...base,
      metrics: ['pageviews', 'visitors', 'visits'],
      dimensions: ['visit:device'],
      filters: everything,
    },
    {
      ...base,
      metrics: ['events', 'visitors'],
      dimensions: ['event:name'],
      filters: [['contains', 'event:page', ['/']]],
    },
    {
      ...base,
      metrics: ['visitors', 'pageviews'],
      dimensions: ['time:day'],
      filters: [['is_not', 'visit:country', ['XX']]],
      include: { bots: true },
    },
    { ...base, metrics: ['pageviews', 'events', 'visitors'] },
  ];
}

/** `openSampledStore`: a fresh store whose raw-row budget is small enough that these queries sample (a few hundred rows). */
export function describeSampledDifferential(
  name: string,
  openSampledStore: StoreFactory | null,
): void {
  describe(`Differential test of the general query, sampled: ${name} against the reference`, () => {
    if (openSampledStore === null) {
      it.todo(`${name}: plug in a factory whose store samples above a small row budget`);
      return;
    }
    it(
      'answers about 2,000 events from a sample within the error it states',
      { timeout: 600_000 },
      async () => {
        const [set] = fc.sample(
          eventSetArb({ minVisitors: 300, maxVisitors: 300, visitorIds: 2_000 }),
          { numRuns: 1, seed: SEED },
        );
        const store = await openSampledStore();
        try {
          expect(await commitEvents(store, set!)).toEqual([]);
          const engine = engineFor(store, set!);
          let sampled = 0;
          for (const json of samplingQueries(set!.anchor)) {
            const query = await engine.resolve(parseStatsRequest(json));
            const expected = referenceAnswer({
              events: set!.arrivals,
              goals: set!.goals[query.siteId] ?? [],
              query,
            });
            if (expected.kind !== 'answer')
              throw new Error('the sampling queries have no time buckets to refuse');
            const answer = await engine.answer(query);
            if (!answer.meta.exact) sampled++;
            const problems = answer.meta.exact
              ? answerProblems(query, expected, answer, answer)
              : sampledProblems(query, expected, answer);
            expect(
              problems,
              `${JSON.stringify(json)} (meta ${JSON.stringify(answer.meta)})`,
            ).toEqual([]);
          }
          expect(
            sampled,
            "no answer was sampled: the store's row budget is too large for this case",
          ).toBeGreaterThan(0);
        } finally {
          await store.close();
        }
      },
    );
  });
}
