import { describe, expect, it } from 'vitest';
import { packPartitions, type Statement } from '../../src/store/cassandra/cql-session.js';

const row = (partition: string, bytes: number): Statement => ({
  query: 'INSERT',
  params: [partition, 'x'.repeat(bytes)],
});
const partitionsOf = (chunk: readonly Statement[]) => new Set(chunk.map((s) => s.params[0]));
const bytesOf = (chunk: readonly Statement[]) =>
  chunk.reduce((sum, s) => sum + 16 + String(s.params[0]).length + String(s.params[1]).length, 0);

describe('packPartitions (the unlogged batches a commit sends)', () => {
  it('keeps every statement once, in order, and packs small partitions ten to a batch', () => {
    const groups = Array.from({ length: 25 }, (_, i) => [row(`p${i}`, 10), row(`p${i}`, 10)]);
    const chunks = packPartitions(groups);
    expect(chunks.flat()).toEqual(groups.flat());
    expect(chunks.map((c) => partitionsOf(c).size)).toEqual([10, 10, 5]);
  });

  it('cuts a large partition by size and never lets a batch pass 4 KiB', () => {
    const big = Array.from({ length: 30 }, () => row('big', 500));
    const small = Array.from({ length: 12 }, (_, i) => [row(`s${i}`, 300)]);
    const chunks = packPartitions([big, ...small]);
    expect(chunks.flat()).toEqual([...big, ...small.flat()]);
    for (const chunk of chunks) expect(bytesOf(chunk)).toBeLessThanOrEqual(4_096);
    // The big partition's full chunks hold only its own rows.
    const ownChunks = chunks.filter((c) => partitionsOf(c).has('big'));
    expect(ownChunks.length).toBeGreaterThan(2);
    for (const chunk of ownChunks.slice(0, -1))
      expect(partitionsOf(chunk)).toEqual(new Set(['big']));
  });

  it('sends a statement larger than a batch on its own, and skips empty groups', () => {
    const huge = row('huge', 10_000);
    expect(packPartitions([[], [huge], []])).toEqual([[huge]]);
    expect(packPartitions([])).toEqual([]);
  });
});
