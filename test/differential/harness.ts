/**
 * The differential test of the general query (issue 11): fast-check makes event sets and valid
 * queries, a store is sent the events as the processor would, the engine answers each query from
 * the store, and the plain reference answers it from the events. They must agree (visitors within
 * the estimator's error, see compare.ts).
 *
 * Replay a failure with the seed and path fast-check prints:
 *   CLICKSTREAM_DIFF_SEED=<seed> CLICKSTREAM_DIFF_PATH=<path> npx vitest run <file>
 * CLICKSTREAM_DIFF_RUNS / CLICKSTREAM_DIFF_QUERIES change the number of event sets and queries a
 * set; CLICKSTREAM_DIFF_SHRINK=1 shrinks a failure to a smaller case (slow on a real store). The
 * failing case is also written to test-artifacts/differential/.
 */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClickstreamError } from '../../src/domain/errors.js';
import { parseStatsRequest, type ParsedRequest } from '../../src/domain/stats/parse-request.js';
import type { StatsQuery } from '../../src/domain/stats/query-model.js';
import type { AnalyticsReader } from '../../src/ports/analytics-reader.js';
import type { EventStore } from '../../src/ports/event-store.js';
import { createStatsEngine, type StatsEngine } from '../../src/query/stats/stats-engine.js';
import { commitEvents } from './commit-events.js';
import { answerProblems } from './compare.js';
import { eventSetArb, type EventSet } from './event-generators.js';
import { queryArb, type QueryJson } from './query-generators.js';
import { referenceRange } from './reference/date-range.js';
import { referenceAnswer } from './reference/reference.js';
import { dedupe } from './reference/visits.js';

export type DifferentialStore = EventStore & AnalyticsReader;
/** A fresh, empty store for each event set; the harness closes it. */
export type StoreFactory = () => Promise<DifferentialStore>;

export const MAX_RANGE_DAYS = 400;

export interface DifferentialOptions {
  /** Event sets (each a fresh store). */
  runs?: number;
  queriesPerSet?: number;
  timeoutMs?: number;
}

const env = (name: string): string | undefined => process.env[name] || undefined;

export function describeDifferential(
  name: string,
  openStore: StoreFactory | null,
  options: DifferentialOptions = {},
): void {
  const runs = Number(env('CLICKSTREAM_DIFF_RUNS') ?? options.runs ?? 25);
  const queries = Number(env('CLICKSTREAM_DIFF_QUERIES') ?? options.queriesPerSet ?? 12);
  describe(`Differential test of the general query: ${name} against the reference`, () => {
    if (openStore === null) {
      it.todo(
        `${name}: plug in the store's factory (it does not answer aggregate(plan) on this branch yet)`,
      );
      return;
    }
    it(
      `answers ${runs} event sets × ${queries} queries as the reference does`,
      { timeout: options.timeoutMs ?? 600_000 },
      async () => {
        const cases = eventSetArb().chain((set) =>
          fc.tuple(
            fc.constant(set),
            fc.array(queryArb(set.anchor), { minLength: queries, maxLength: queries }),
          ),
        );
        const seed = env('CLICKSTREAM_DIFF_SEED');
        const path = env('CLICKSTREAM_DIFF_PATH');
        const property = fc.asyncProperty(cases, async ([set, jsons]) => {
          const store = await openStore();
          try {
            await checkCase(name, store, set, jsons);
          } finally {
            await store.close();
          }
        });
        const outcome = await fc.check(property, {
          numRuns: runs,
          endOnFailure: env('CLICKSTREAM_DIFF_SHRINK') !== '1',
          ...(seed === undefined ? {} : { seed: Number(seed) }),
          ...(path === undefined ? {} : { path }),
        });
        // fast-check's own report prints the whole event set; ours says what differs and how to replay it.
        if (outcome.failed) {
          const cause =
            outcome.errorInstance instanceof Error
              ? outcome.errorInstance.message
              : String(outcome.errorInstance);
          expect.fail(
            `Replay with CLICKSTREAM_DIFF_SEED=${outcome.seed} CLICKSTREAM_DIFF_PATH=${outcome.counterexamplePath ?? ''}\n${cause}`,
          );
        }
      },
    );
  });
}

export function engineFor(store: AnalyticsReader, set: EventSet): StatsEngine {
  return createStatsEngine({
    reader: store,
    goals: async (site) => set.goals[site] ?? [],
    timezoneOf: () => 'UTC',
    maxRangeDays: MAX_RANGE_DAYS,
    now: () => set.anchor.now,
  });
}

/** Commits the set, then runs each query through the engine and the reference; throws the first disagreement. */
export async function checkCase(
  name: string,
  store: DifferentialStore,
  set: EventSet,
  jsons: readonly QueryJson[],
): Promise<void> {
  const commitProblems = await commitEvents(store, set);
  if (commitProblems.length > 0) fail(name, set, null, commitProblems, null);
  const engine = engineFor(store, set);
  for (const json of jsons) {
    const problems = await checkQuery(engine, set, json);
    if (problems.problems.length > 0) fail(name, set, json, problems.problems, problems.detail);
  }
}

export interface QueryCheck {
  problems: string[];
  detail: Record<string, unknown> | null;
}

/** One query through the engine and the reference: what differs (nothing when they agree). */
export async function checkQuery(
  engine: StatsEngine,
  set: EventSet,
  json: QueryJson,
): Promise<QueryCheck> {
  let parsed: ParsedRequest;
  try {
    parsed = parseStatsRequest(json);
  } catch (error) {
    return {
      problems: [
        `the generator made a query the parser refuses: ${(error as Error).message} (${(error as ClickstreamError).field})`,
      ],
      detail: null,
    };
  }
  const site = dedupe(set.arrivals).filter((e) => e.site_id === parsed.siteId);
  const firstEventAt = site.length === 0 ? null : Math.min(...site.map((e) => e.timestamp));
  const zone = parsed.timezone ?? 'UTC';
  const range = referenceRange(parsed.dateRange, {
    zone,
    now: set.anchor.now,
    maxRangeDays: MAX_RANGE_DAYS,
    firstEventAt,
  });
  if (range === null) return refusal(() => engine.resolve(parsed), 'date_range');
  const query = await engine.resolve(parsed);
  if (query.from !== range.from || query.to !== range.to) {
    return {
      problems: [
        `range resolved to [${iso(query.from)}, ${iso(query.to)}), expected [${iso(range.from)}, ${iso(range.to)})`,
      ],
      detail: null,
    };
  }
  const expected = referenceAnswer({
    events: set.arrivals,
    goals: set.goals[parsed.siteId] ?? [],
    query,
  });
  if (expected.kind === 'too-many-buckets')
    return refusal(() => engine.answer(query), `dimensions[${expected.dimensionIndex}]`);
  const full = await engine.answer({ ...query, limit: 10_000, offset: 0 });
  const paged = query.limit === 10_000 && query.offset === 0 ? full : await engine.answer(query);
  const problems = answerProblems(query, expected, full, paged);
  if (problems.length === 0) return { problems, detail: null };
  const labels = paged.meta.time_labels;
  const meta = {
    ...paged.meta,
    ...(labels && labels.length > 6
      ? { time_labels: [...labels.slice(0, 3), `… ${labels.length} in all …`, ...labels.slice(-3)] }
      : {}),
  };
  return {
    problems,
    detail: {
      resolved: resolvedRange(query),
      expected: expected.all,
      actual: full.results,
      meta,
      expectedPage: expected.results,
      actualPage: paged.results,
    },
  };
}

async function refusal(run: () => Promise<unknown>, field: string): Promise<QueryCheck> {
  try {
    await run();
  } catch (error) {
    if (
      error instanceof ClickstreamError &&
      error.code === 'INVALID_QUERY' &&
      error.field === field
    )
      return { problems: [], detail: null };
    return {
      problems: [
        `expected a refusal (INVALID_QUERY at ${field}), got ${String(error)} at ${(error as ClickstreamError).field}`,
      ],
      detail: null,
    };
  }
  return {
    problems: [`expected a refusal (INVALID_QUERY at ${field}), got an answer`],
    detail: null,
  };
}

const iso = (t: number): string => new Date(t).toISOString();

function resolvedRange(query: StatsQuery) {
  return {
    from: iso(query.from),
    to: iso(query.to),
    timezone: query.timezone,
    limit: query.limit,
    offset: query.offset,
  };
}

/** One line per event sent: enough to read a failure without the JSON file. */
function eventLines(set: EventSet): string {
  return set.arrivals
    .map((e) =>
      [
        e.event_id,
        e.site_id,
        e.visitor_id,
        iso(e.timestamp),
        e.event_type,
        e.page,
        e.hostname ?? '-',
        e.is_bot ? 'bot' : '',
        e.referrer_host ?? '',
        e.utm_source ?? '',
        e.utm_medium ?? '',
        e.browser,
        e.country ?? '',
        JSON.stringify(e.properties),
        e.scroll_depth ?? '',
      ].join(' '),
    )
    .join('\n');
}

function fail(
  name: string,
  set: EventSet,
  json: QueryJson | null,
  problems: string[],
  detail: Record<string, unknown> | null,
): never {
  const dir = join('test-artifacts', 'differential');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name.replace(/\W+/g, '-')}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ store: name, query: json, problems, detail, set }, null, 2));
  const text = [
    `${name} disagrees with the reference (anchor ${set.anchor.name}; the case is in ${file}).`,
    json === null ? 'While committing the events:' : `Query: ${JSON.stringify(json)}`,
    ...problems.slice(0, 20).map((p) => `  - ${p}`),
    ...(detail ? [`Detail: ${JSON.stringify(detail).slice(0, 6000)}`] : []),
    `Events (arrival order):\n${eventLines(set)}`,
  ].join('\n');
  expect.fail(text);
}
