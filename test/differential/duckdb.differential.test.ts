import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { describeDifferential, type StoreFactory } from './harness.js';

/** The embedded store against the reference: a fresh in-memory store for each event set. */
const openStore: StoreFactory = () =>
  DuckDbStore.open({ path: ':memory:', rawEventRetentionMs: 0, dedupeWindowMs: 30 * 86_400_000, visitorSecret: 'differential-test' });

describeDifferential('DuckDbStore', openStore, { runs: 25, queriesPerSet: 12 });
