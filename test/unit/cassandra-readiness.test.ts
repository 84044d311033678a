import { describe, expect, it } from 'vitest';
import { replicasNeeded, shortfall } from '../../src/cli/cassandra-readiness.js';

const view = (up: Record<string, number>, schemaVersions = 1) => ({
  upByDataCenter: new Map(Object.entries(up)),
  schemaVersions,
});

describe('the nodes a replication needs before migrate writes the schema', () => {
  it('SimpleStrategy:N needs N nodes anywhere', () => {
    const needed = replicasNeeded({ class: 'SimpleStrategy', replication_factor: '3' });
    expect(shortfall(needed, view({ datacenter1: 1 }))).toBe('1 of 3 nodes up');
    expect(shortfall(needed, view({ datacenter1: 2 }))).toBe('2 of 3 nodes up');
    expect(shortfall(needed, view({ datacenter1: 2, dc2: 1 }))).toBeUndefined();
  });

  it('NetworkTopologyStrategy needs its count in each data center it names', () => {
    const needed = replicasNeeded({ class: 'NetworkTopologyStrategy', dc1: '3', dc2: '2' });
    expect(shortfall(needed, view({ dc1: 3, dc2: 1 }))).toBe('1 of 2 nodes up in dc2');
    expect(shortfall(needed, view({ dc1: 1 }))).toBe(
      '1 of 3 nodes up in dc1, 0 of 2 nodes up in dc2',
    );
    expect(shortfall(needed, view({ dc1: 3, dc2: 2 }))).toBeUndefined();
  });

  it('waits for the nodes up to agree on the schema too', () => {
    const needed = replicasNeeded({ class: 'SimpleStrategy', replication_factor: '1' });
    expect(shortfall(needed, view({ datacenter1: 3 }, 2))).toBe(
      'the 3 nodes up do not agree on the schema yet',
    );
    expect(shortfall(needed, view({ datacenter1: 3 }, 1))).toBeUndefined();
  });
});
