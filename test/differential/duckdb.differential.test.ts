import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { describeDifferential, type StoreFactory } from './harness.js';
import { describeSampledDifferential } from './sampling.js';

/**
 * The embedded store against the reference: a fresh in-memory store for each event set. Its
 * recent-events table takes commits of up to 8 events and moves into the shards at 40 rows, so
 * every set is answered from both tables, with moves and direct shard appends on the way (the
 * sampled suite below keeps the defaults: there every event stays in the recent table).
 */
const openStore: StoreFactory = () =>
  DuckDbStore.open({
    path: ':memory:',
    rawEventRetentionMs: 0,
    dedupeWindowMs: 30 * 86_400_000,
    visitorSecret: 'differential-test',
    recentEvents: { smallCommitEvents: 8, moveRows: 40 },
  });

describeDifferential('DuckDbStore', openStore, { runs: 25, queriesPerSet: 12 });

/** Above a small row budget the embedded store answers from a sample of visitors (hll_reg below a power of two). */
describeSampledDifferential('DuckDbStore', () =>
  DuckDbStore.open({
    path: ':memory:',
    rawEventRetentionMs: 0,
    dedupeWindowMs: 30 * 86_400_000,
    visitorSecret: 'differential-test',
    queryRowBudget: 300,
  }),
);
