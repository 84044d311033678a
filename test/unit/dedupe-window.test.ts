import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../../src/domain/bloom-filter.js';
import { DedupeWindow } from '../../src/domain/dedupe-window.js';

const HOUR = 3_600_000;

describe('BloomFilter', () => {
  it('never forgets an item and keeps false positives near the rate it was sized for', () => {
    const filter = new BloomFilter(20_000, 1e-3);
    for (let i = 0; i < 20_000; i++) filter.add(`event-${i}`);
    for (let i = 0; i < 20_000; i++) expect(filter.mayContain(`event-${i}`)).toBe(true);
    let false_positives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mayContain(`other-${i}`)) false_positives++;
    expect(false_positives / 100_000).toBeLessThan(3e-3);
    expect(filter.bytes).toBeLessThan(40_000);
  });
});

describe('DedupeWindow', () => {
  it('recognises ids within the window and forgets hours that left it', () => {
    const window = new DedupeWindow(24 * HOUR, 1000);
    const t0 = Date.UTC(2026, 10, 1);
    for (let i = 0; i < 2500; i++) window.add(`early-${i}`, t0 + i);
    expect(window.mayContain('early-0')).toBe(true);
    expect(window.mayContain('early-2499')).toBe(true);
    expect(window.mayContain('never')).toBe(false);
    window.add('late', t0 + 25 * HOUR);
    expect(window.mayContain('late')).toBe(true);
    expect(window.mayContain('early-0')).toBe(false);
    expect(window.start).toBe(t0 + HOUR);
  });
});
