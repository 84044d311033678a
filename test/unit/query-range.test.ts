import { describe, expect, it } from 'vitest';
import { ClickstreamError } from '../../src/domain/errors.js';
import { resolveRange, type RangeInput } from '../../src/query/query-range.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 1, 12, 30, 15);
const limits = { maxRangeDays: 400, defaultDays: 30 };

function errorOf(input: RangeInput): ClickstreamError {
  try {
    resolveRange(input, limits, NOW);
  } catch (error) {
    if (error instanceof ClickstreamError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('resolveRange', () => {
  it('defaults to the 30 days up to now, now included', () => {
    const { from, to } = resolveRange({}, limits, NOW);
    expect(to).toBe(Date.UTC(2026, 2, 1, 12, 31));
    expect(to).toBeGreaterThan(NOW);
    expect(to - from).toBe(30 * DAY);
  });

  it('counts the default days back from a given to', () => {
    expect(resolveRange({ to: '2026-02-01' }, limits, NOW)).toEqual({
      from: Date.UTC(2026, 0, 2),
      to: Date.UTC(2026, 1, 1),
    });
  });

  it('reads a date as its UTC midnight', () => {
    expect(resolveRange({ from: '2026-01-01', to: '2026-01-31' }, limits, NOW)).toEqual({
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 0, 31),
    });
  });

  it('reads date-times with a zone and epoch milliseconds', () => {
    expect(
      resolveRange(
        { from: '2026-01-01T01:00:00+01:00', to: String(Date.UTC(2026, 0, 2)) },
        limits,
        NOW,
      ),
    ).toEqual({
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 0, 2),
    });
  });

  it('widens to whole minutes: from down, to up', () => {
    expect(
      resolveRange({ from: '2026-01-01T10:00:30Z', to: '2026-01-01T10:05:01Z' }, limits, NOW),
    ).toEqual({
      from: Date.UTC(2026, 0, 1, 10, 0),
      to: Date.UTC(2026, 0, 1, 10, 6),
    });
  });

  it('accepts an empty range', () => {
    expect(resolveRange({ from: '2026-01-01', to: '2026-01-01' }, limits, NOW)).toEqual({
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 0, 1),
    });
  });

  it('refuses from after to on field from', () => {
    expect(errorOf({ from: '2026-02-01', to: '2026-01-01' })).toMatchObject({
      code: 'INVALID_QUERY',
      field: 'from',
      status: 400,
    });
  });

  it('refuses from after to even within one minute', () => {
    expect(errorOf({ from: '2026-01-01T10:00:40Z', to: '2026-01-01T10:00:20Z' })).toMatchObject({
      field: 'from',
    });
  });

  it('accepts a from up to the end of the current minute when to is left out (client clocks run ahead)', () => {
    expect(resolveRange({ from: String(NOW + 30_000) }, limits, NOW)).toEqual({
      from: Date.UTC(2026, 2, 1, 12, 30),
      to: Date.UTC(2026, 2, 1, 12, 31),
    });
    expect(errorOf({ from: '2026-03-01T12:32:00Z' })).toMatchObject({ field: 'from' });
  });

  it('reports garbage in to before garbage in from', () => {
    expect(errorOf({ from: 'x', to: 'y' })).toMatchObject({ field: 'to' });
  });

  it('refuses a span longer than the maximum with a 400', () => {
    expect(resolveRange({ from: '2025-01-01', to: '2026-02-05' }, limits, NOW).to).toBe(
      Date.UTC(2026, 1, 5),
    );
    const error = errorOf({ from: '2025-01-01', to: '2026-02-06' });
    expect(error.status).toBe(400);
    expect(error.message).toContain('400 days');
  });

  it.each([
    ['from', 'yesterday'],
    ['from', '2026-01-01T10:00:00'],
    ['from', '2026-13-45'],
    ['from', '01/02/2026'],
    ['to', 'now'],
    ['to', '12345678901234567890'],
    ['to', ''],
  ])('refuses garbage in %s: %j', (field, value) => {
    expect(errorOf({ [field]: value })).toMatchObject({ code: 'INVALID_QUERY', field });
  });
});
