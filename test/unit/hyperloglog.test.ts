import { describe, expect, it } from 'vitest';
import { HyperLogLog } from '../../src/domain/hyperloglog.js';

function sketchOf(values: Iterable<string>): HyperLogLog {
  const sketch = new HyperLogLog();
  for (const value of values) sketch.add(value);
  return sketch;
}

function* range(prefix: string, from: number, to: number): Generator<string> {
  for (let i = from; i < to; i++) yield `${prefix}-${i}`;
}

const relativeError = (estimate: number, actual: number) => Math.abs(estimate - actual) / actual;

/** Registers as hex: a cheap, exact comparison of two 16 KiB sketches. */
const hexOf = (sketch: HyperLogLog) => Buffer.from(sketch.toBytes()).toString('hex');

describe('HyperLogLog', () => {
  it('estimates an empty sketch as 0', () => {
    expect(new HyperLogLog().estimate()).toBe(0);
    expect(HyperLogLog.fromBytes(null).estimate()).toBe(0);
    expect(HyperLogLog.fromBytes(new Uint8Array()).estimate()).toBe(0);
  });

  it('is exact or nearly so for small sets', () => {
    for (const n of [1, 2, 10, 50, 100]) {
      expect(Math.abs(sketchOf(range('small', 0, n)).estimate() - n)).toBeLessThanOrEqual(
        Math.max(1, 0.02 * n),
      );
    }
    expect(relativeError(sketchOf(range('small', 0, 500)).estimate(), 500)).toBeLessThan(0.01);
  });

  it('ignores repeated values', () => {
    const sketch = sketchOf(range('repeat', 0, 200));
    for (let round = 0; round < 5; round++)
      for (const value of range('repeat', 0, 200)) sketch.add(value);
    expect(Math.abs(sketch.estimate() - 200)).toBeLessThanOrEqual(1);
  });

  it.each([10_000, 100_000])('is within 2 percent at %i distinct values', (n) => {
    expect(relativeError(sketchOf(range('visitor', 0, n)).estimate(), n)).toBeLessThan(0.02);
  });

  it('merges as a union: overlapping sets count once', () => {
    const a = sketchOf(range('w', 0, 6_000));
    const b = sketchOf(range('w', 4_000, 10_000));
    a.merge(b);
    expect(relativeError(a.estimate(), 10_000)).toBeLessThan(0.02);
    expect(hexOf(a)).toBe(hexOf(sketchOf(range('w', 0, 10_000))));
  });

  it('merges sparse into dense and dense into sparse alike', () => {
    const small = () => sketchOf(range('m', 0, 300));
    const large = () => sketchOf(range('m', 200, 20_000));
    const union = hexOf(sketchOf(range('m', 0, 20_000)));

    const intoLarge = large();
    intoLarge.merge(small());
    const intoSmall = small();
    intoSmall.merge(large());
    expect(hexOf(intoLarge)).toBe(union);
    expect(hexOf(intoSmall)).toBe(union);
  });

  it('merging an empty sketch changes nothing', () => {
    const sketch = sketchOf(range('e', 0, 1_000));
    const before = hexOf(sketch);
    sketch.merge(new HyperLogLog());
    expect(hexOf(sketch)).toBe(before);
  });

  it('adding a precomputed position is the same as adding the value', () => {
    const byValue = sketchOf(range('p', 0, 1_000));
    const byPosition = new HyperLogLog();
    for (const value of range('p', 0, 1_000)) byPosition.addPosition(HyperLogLog.position(value));
    expect(hexOf(byPosition)).toBe(hexOf(byValue));
  });

  it('round-trips a sparse sketch through bytes, and keeps it small', () => {
    const sketch = sketchOf(range('s', 0, 100));
    const bytes = sketch.toBytes();
    expect(bytes[0]).toBe(1);
    expect(bytes.length).toBeLessThanOrEqual(1 + 3 * 100);
    const copy = HyperLogLog.fromBytes(bytes);
    expect(copy.estimate()).toBe(sketch.estimate());
    expect(copy.toBytes()).toEqual(bytes);
  });

  it('round-trips a dense sketch through bytes', () => {
    const sketch = sketchOf(range('d', 0, 20_000));
    const bytes = sketch.toBytes();
    expect(bytes[0]).toBe(2);
    expect(bytes.length).toBe((1 << 14) + 1);
    const copy = HyperLogLog.fromBytes(bytes);
    expect(copy.estimate()).toBe(sketch.estimate());
    expect(hexOf(copy)).toBe(hexOf(sketch));
  });

  it('a deserialised sketch keeps counting where it left off', () => {
    const copy = HyperLogLog.fromBytes(sketchOf(range('c', 0, 3_000)).toBytes());
    for (const value of range('c', 3_000, 12_000)) copy.add(value);
    expect(hexOf(copy)).toBe(hexOf(sketchOf(range('c', 0, 12_000))));
  });

  it.each([
    ['an unknown format byte', Uint8Array.of(3, 0, 0, 1)],
    ['a sparse sketch cut mid-entry', Uint8Array.of(1, 0, 0, 1, 0)],
    ['a dense sketch one register short', Uint8Array.of(2, ...new Uint8Array((1 << 14) - 1))],
    ['a dense sketch one register too long', Uint8Array.of(2, ...new Uint8Array((1 << 14) + 1))],
    ['a sparse entry whose register is out of range', Uint8Array.of(1, 0xff, 0xff, 0xc1)],
  ])('refuses corrupt bytes: %s', (_name, bytes) => {
    expect(() => HyperLogLog.fromBytes(bytes)).toThrow(/HyperLogLog/);
  });
});
