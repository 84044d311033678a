import { describe, expect, it } from 'vitest';
import {
  GRANULARITY_MS,
  bucketStart,
  bucketStarts,
  ceilToBucket,
  decomposeRange,
  type BucketSpan,
  type Granularity,
} from '../../src/domain/time-buckets.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const ALL: readonly Granularity[] = ['minute', 'hour', 'day'];
const RANK: Record<Granularity, number> = { minute: 0, hour: 1, day: 2 };
const COARSER: Record<Granularity, Granularity | null> = { minute: 'hour', hour: 'day', day: null };

/** A small seeded generator, so a failing range can be reproduced. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * What is wrong with a decomposition of [from, to): it must tile the range exactly with aligned
 * spans, coarsest first, using the fewest buckets. Plain checks, so thousands of ranges stay fast.
 */
function coverProblems(spans: BucketSpan[], from: number, to: number): string[] {
  const problems: string[] = [];
  for (const span of spans) {
    const size = GRANULARITY_MS[span.granularity];
    if (span.from >= span.to) problems.push(`empty span ${JSON.stringify(span)}`);
    if (span.from % size !== 0 || span.to % size !== 0)
      problems.push(`unaligned ${JSON.stringify(span)}`);
    // Fewest buckets: a finer span never holds a whole aligned bucket of the next granularity.
    const next = COARSER[span.granularity];
    if (next && ceilToBucket(span.from, next) + GRANULARITY_MS[next] <= span.to)
      problems.push(`${span.granularity} span holds a whole ${next}`);
  }
  for (let i = 1; i < spans.length; i++) {
    if (RANK[spans[i - 1]!.granularity] < RANK[spans[i]!.granularity])
      problems.push('not coarsest first');
  }
  let cursor = from;
  for (const span of [...spans].sort((a, b) => a.from - b.from)) {
    if (span.from !== cursor)
      problems.push(span.from < cursor ? `overlap at ${span.from}` : `gap at ${cursor}`);
    cursor = Math.max(cursor, span.to);
  }
  if (cursor !== to) problems.push(`ends at ${cursor}, not ${to}`);
  const count = (g: Granularity) => spans.filter((s) => s.granularity === g).length;
  if (count('day') > 1 || count('hour') > 2 || count('minute') > 2)
    problems.push('more spans than needed');
  return problems.map(
    (p) => `[${new Date(from).toISOString()}, ${new Date(to).toISOString()}): ${p}`,
  );
}

describe('bucketStart and ceilToBucket', () => {
  const t = Date.UTC(2026, 0, 31, 13, 45, 30, 250);

  it('floor and ceil to UTC minute, hour and day', () => {
    expect(bucketStart(t, 'minute')).toBe(Date.UTC(2026, 0, 31, 13, 45));
    expect(bucketStart(t, 'hour')).toBe(Date.UTC(2026, 0, 31, 13));
    expect(bucketStart(t, 'day')).toBe(Date.UTC(2026, 0, 31));
    expect(ceilToBucket(t, 'minute')).toBe(Date.UTC(2026, 0, 31, 13, 46));
    expect(ceilToBucket(t, 'hour')).toBe(Date.UTC(2026, 0, 31, 14));
    expect(ceilToBucket(t, 'day')).toBe(Date.UTC(2026, 1, 1));
  });

  it('leave an aligned time where it is', () => {
    const midnight = Date.UTC(2026, 0, 31);
    for (const g of ALL) {
      expect(bucketStart(midnight, g)).toBe(midnight);
      expect(ceilToBucket(midnight, g)).toBe(midnight);
    }
  });
});

describe('decomposeRange', () => {
  it('is empty for an empty or inverted range', () => {
    expect(decomposeRange(DAY, DAY, ALL)).toEqual([]);
    expect(decomposeRange(2 * DAY, DAY, ALL)).toEqual([]);
    expect(decomposeRange(0, DAY, [])).toEqual([]);
  });

  it('answers a whole day with one day bucket', () => {
    expect(decomposeRange(Date.UTC(2026, 0, 31), Date.UTC(2026, 1, 1), ALL)).toEqual([
      { granularity: 'day', from: Date.UTC(2026, 0, 31), to: Date.UTC(2026, 1, 1) },
    ]);
  });

  it('splits a ragged range into days in the middle, then hours, then minutes at the edges', () => {
    const from = Date.UTC(2026, 0, 30, 22, 15);
    const to = Date.UTC(2026, 1, 2, 1, 30);
    expect(decomposeRange(from, to, ALL)).toEqual([
      { granularity: 'day', from: Date.UTC(2026, 0, 31), to: Date.UTC(2026, 1, 2) },
      { granularity: 'hour', from: Date.UTC(2026, 0, 30, 23), to: Date.UTC(2026, 0, 31) },
      { granularity: 'hour', from: Date.UTC(2026, 1, 2), to: Date.UTC(2026, 1, 2, 1) },
      { granularity: 'minute', from, to: Date.UTC(2026, 0, 30, 23) },
      { granularity: 'minute', from: Date.UTC(2026, 1, 2, 1), to },
    ]);
  });

  it('keeps a range inside one hour in minutes', () => {
    const from = Date.UTC(2026, 0, 31, 10, 5);
    expect(decomposeRange(from, from + 20 * MINUTE, ALL)).toEqual([
      { granularity: 'minute', from, to: from + 20 * MINUTE },
    ]);
  });

  it('covers random minute-aligned ranges exactly, without overlap, coarsest first', () => {
    const random = mulberry32(20260131);
    const origin = Date.UTC(2025, 0, 1);
    const problems: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const scale = [HOUR, DAY, 40 * DAY][i % 3]!;
      const from = origin + Math.floor((random() * 400 * DAY) / MINUTE) * MINUTE;
      const to = from + Math.floor((random() * scale) / MINUTE) * MINUTE;
      const spans = decomposeRange(from, to, ALL);
      if (from === to)
        problems.push(...spans.map((span) => `span ${JSON.stringify(span)} for an empty range`));
      else problems.push(...coverProblems(spans, from, to));
    }
    expect(problems).toEqual([]);
  });

  it('covers random hour-aligned ranges with the hour and day granularities alone', () => {
    const random = mulberry32(7);
    const problems: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const from = Math.floor(random() * 5_000) * HOUR;
      const to = from + (1 + Math.floor(random() * 24 * 60)) * HOUR;
      const spans = decomposeRange(from, to, ['hour', 'day']);
      if (spans.some((s) => s.granularity === 'minute'))
        problems.push(`minute span for [${from}, ${to})`);
      problems.push(...coverProblems(spans, from, to));
    }
    expect(problems).toEqual([]);
  });
});

describe('bucketStarts', () => {
  it('lists the start of every bucket that [from, to) touches, the first one holding from', () => {
    const from = Date.UTC(2026, 0, 31, 10, 30);
    expect(bucketStarts(from, from + 2 * HOUR, 'hour')).toEqual([
      Date.UTC(2026, 0, 31, 10),
      Date.UTC(2026, 0, 31, 11),
      Date.UTC(2026, 0, 31, 12),
    ]);
    expect(bucketStarts(from, from + 3 * MINUTE, 'minute')).toHaveLength(3);
    expect(bucketStarts(Date.UTC(2026, 0, 31), Date.UTC(2026, 1, 3), 'day')).toEqual([
      Date.UTC(2026, 0, 31),
      Date.UTC(2026, 1, 1),
      Date.UTC(2026, 1, 2),
    ]);
  });
});
