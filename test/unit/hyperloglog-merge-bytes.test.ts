import { describe, expect, it } from 'vitest';
import { HyperLogLog } from '../../src/domain/hyperloglog.js';

/** The reference: parse, merge, serialise — what the store did before mergeBytes. */
function slow(stored: Uint8Array | null, delta: HyperLogLog): Uint8Array {
  const sketch = HyperLogLog.fromBytes(stored);
  sketch.merge(delta);
  return sketch.toBytes();
}

function sketchOf(values: number, prefix: string): HyperLogLog {
  const sketch = new HyperLogLog();
  for (let i = 0; i < values; i++) sketch.add(`${prefix}${i}`);
  return sketch;
}

describe('HyperLogLog.mergeBytes', () => {
  it.each([
    ['nothing stored, small delta', 0, 10],
    ['small into small', 20, 30],
    ['overlapping values', 500, 500],
    ['large sparse into sparse', 4000, 300],
    ['sparse growing past the sparse limit', 5000, 1000],
    ['dense stored, sparse delta', 20_000, 50],
    ['sparse stored, dense delta', 100, 20_000],
    ['dense into dense', 20_000, 20_000],
  ])('gives the same bytes as parse-merge-serialise: %s', (_, storedValues, deltaValues) => {
    const stored = storedValues === 0 ? null : sketchOf(storedValues, 'a').toBytes();
    // The delta shares half its values with the stored sketch, so registers collide both ways.
    const delta = sketchOf(deltaValues, deltaValues % 2 === 0 ? 'a' : 'b');
    delta.merge(sketchOf(Math.ceil(deltaValues / 2), 'c'));
    expect(Buffer.from(HyperLogLog.mergeBytes(stored, delta))).toEqual(
      Buffer.from(slow(stored, delta)),
    );
  });

  it('keeps the higher rank of a register named on both sides', () => {
    const stored = sketchOf(300, 'x');
    const delta = sketchOf(300, 'y');
    const merged = HyperLogLog.fromBytes(HyperLogLog.mergeBytes(stored.toBytes(), delta));
    const expected = sketchOf(300, 'x');
    expected.merge(delta);
    expect(merged.estimate()).toBe(expected.estimate());
  });

  it('refuses bytes that are not a sketch, as fromBytes does', () => {
    expect(() =>
      HyperLogLog.mergeBytes(Uint8Array.from([1, 0xff, 0xff, 0xff]), sketchOf(3, 'z')),
    ).toThrow('not a HyperLogLog sketch');
    expect(() => HyperLogLog.mergeBytes(Uint8Array.from([9, 1, 2]), sketchOf(3, 'z'))).toThrow(
      'not a HyperLogLog sketch',
    );
  });

  it('accepts sparse entries out of order, as fromBytes does', () => {
    const a = sketchOf(1, 'p').toBytes();
    const b = sketchOf(1, 'q').toBytes();
    const unsorted = Uint8Array.from([1, ...b.subarray(1), ...a.subarray(1)]);
    const delta = sketchOf(2, 'r');
    expect(Buffer.from(HyperLogLog.mergeBytes(unsorted, delta))).toEqual(
      Buffer.from(slow(unsorted, delta)),
    );
  });
});
