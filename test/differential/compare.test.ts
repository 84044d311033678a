import { describe, expect, it } from 'vitest';
import type { StatsAnswer, StatsQuery, StatsRow } from '../../src/domain/stats/query-model.js';
import { answerProblems, sampledProblems, visitorsBound } from './compare.js';
import type { ReferenceAnswer, ReferenceRow } from './reference/reference.js';

/** The comparison must let a store's visitor estimate be off by what HyperLogLog allows, and nothing else. */
const query = (overrides: Partial<StatsQuery> = {}): StatsQuery => ({
  siteId: 'alpha.test',
  metrics: ['visitors', 'pageviews', 'percentage'],
  from: 0,
  to: 1,
  timezone: 'UTC',
  dimensions: ['event:page'],
  filter: null,
  orderBy: [],
  includeBots: false,
  includeTotalRows: false,
  includeTimeLabels: false,
  limit: 10_000,
  offset: 0,
  ...overrides,
});

const ref = (page: string, visitors: number, pageviews: number, total: number): ReferenceRow => ({
  dimensions: [page],
  visitors,
  metrics: [visitors, pageviews, Math.round(((100 * visitors) / total) * 10) / 10],
});

function expected(
  rows: ReferenceRow[],
  q: StatsQuery,
  total: number,
): Extract<ReferenceAnswer, { kind: 'answer' }> {
  return {
    kind: 'answer',
    all: rows,
    results: rows.slice(q.offset, q.offset + q.limit),
    totalRows: rows.length,
    timeLabels: null,
    totalVisitors: total,
    goalBaseVisitors: total,
  };
}

const answer = (results: StatsRow[], meta: Partial<StatsAnswer['meta']> = {}): StatsAnswer => ({
  results,
  meta: {
    store: 'test',
    exact: true,
    sample_fraction: 1,
    rows_read: 0,
    visitors_estimator: 'hll',
    ...meta,
  },
});

// Three pages; 10 visitors in all.
const rows = [ref('/a', 6, 9, 10), ref('/b', 3, 4, 10), ref('/c', 2, 2, 10)];

describe('the comparison with the reference', () => {
  it("bounds visitors by linear counting's error: one visitor at these sizes, none for an empty sketch", () => {
    expect(visitorsBound(0)).toBe(0);
    expect(visitorsBound(1)).toBe(1);
    expect(visitorsBound(60)).toBe(1);
    expect(visitorsBound(300)).toBe(5);
    expect(visitorsBound(100_000)).toBe(2_438);
  });

  it("accepts the reference's own answer, and catches a count, a missing row, an extra row and a wrong order", () => {
    const q = query();
    const same = rows.map((r) => ({ dimensions: r.dimensions, metrics: r.metrics }));
    expect(answerProblems(q, expected(rows, q, 10), answer(same), answer(same))).toEqual([]);
    const wrongCount = same.map((r, i) => (i === 1 ? { ...r, metrics: [3, 5, 30] } : r));
    expect(
      answerProblems(q, expected(rows, q, 10), answer(wrongCount), answer(wrongCount)),
    ).toEqual(['row ["/b"]: pageviews is 5, expected 4']);
    expect(
      answerProblems(
        q,
        expected(rows, q, 10),
        answer(same.slice(0, 2)),
        answer(same.slice(0, 2)),
      )[0],
    ).toMatch(/^missing row \["\/c"\]/);
    const extra = [...same, { dimensions: ['/d'], metrics: [1, 1, 10] }];
    expect(answerProblems(q, expected(rows, q, 10), answer(extra), answer(extra))[0]).toMatch(
      /^unexpected row \["\/d"\]/,
    );
    const byPage = query({ orderBy: [{ name: 'event:page', direction: 'desc' }] });
    expect(
      answerProblems(
        byPage,
        expected(rows.slice().reverse(), byPage, 10),
        answer(same),
        answer(same),
      ),
    ).toContain('rows are not in the order their values give');
  });

  it('lets visitors be off by one, the percentage follow, and the order by visitors follow the estimates', () => {
    const q = query({ limit: 1, offset: 1 });
    // The store counts /b's 3 visitors as 2 (a collision) and the 10 in all as 9: /b and /c tie at 2, /b first by page.
    const estimated = [
      { dimensions: ['/a'], metrics: [6, 9, 66.7] },
      { dimensions: ['/b'], metrics: [2, 4, 22.2] },
      { dimensions: ['/c'], metrics: [2, 2, 22.2] },
    ];
    expect(
      answerProblems(q, expected(rows, q, 10), answer(estimated), answer([estimated[1]!])),
    ).toEqual([]);
    // The page must still be the store's own slice.
    expect(
      answerProblems(q, expected(rows, q, 10), answer(estimated), answer([estimated[2]!])),
    ).toEqual(['the page is not the slice of the whole answer']);
    const offByTwo = estimated.map((r, i) => (i === 0 ? { ...r, metrics: [4, 9, 44.4] } : r));
    expect(
      answerProblems(q, expected(rows, q, 10), answer(offByTwo), answer([offByTwo[1]!])),
    ).toEqual([
      'row ["/a"]: visitors is 4, expected 6 (allowed 5 to 7)',
      'row ["/a"]: percentage is 44.4, expected 60 (allowed 45.5 to 77.8)',
    ]);
  });

  it("holds a sampled answer's large counts to twice its stated error and leaves small ones alone", () => {
    const q = query({ metrics: ['pageviews'], dimensions: ['event:page'] });
    const big = [
      { dimensions: ['/a'], visitors: 0, metrics: [1000] },
      { dimensions: ['/b'], visitors: 0, metrics: [20] },
    ];
    const meta = { exact: false, sample_fraction: 0.5, relative_error_95: 0.1 };
    expect(
      sampledProblems(
        q,
        expected(big, q, 0),
        answer([{ dimensions: ['/a'], metrics: [1190] }], meta),
      ),
    ).toEqual([]);
    expect(
      sampledProblems(
        q,
        expected(big, q, 0),
        answer([{ dimensions: ['/a'], metrics: [1210] }], meta),
      ),
    ).toEqual(['row ["/a"]: pageviews is 1210, expected 1000 ± 200 (sampled at 0.5)']);
    expect(
      sampledProblems(
        q,
        expected(big, q, 0),
        answer([{ dimensions: ['/a'], metrics: [1000] }], { exact: false, sample_fraction: 0.5 }),
      ),
    ).toEqual(['meta: sampled, but relative_error_95 is undefined']);
  });
});
