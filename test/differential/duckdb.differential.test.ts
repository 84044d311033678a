import { describeDifferential, type StoreFactory } from './harness.js';
import { describeSampledDifferential } from './sampling.js';

/**
 * The differential test of the general query against the embedded store.
 *
 * PLUG IN (DuckDbStore does not answer aggregate(plan) on this branch yet): import the store and
 * replace `null` with its factory, a fresh in-memory store for each event set, e.g.
 *   import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
 *   const openStore: StoreFactory | null = () => DuckDbStore.open({ path: ':memory:', rawEventRetentionMs: 0, dedupeWindowMs: 30 * 86_400_000, visitorSecret: 'differential-test' });
 * Raw events must be kept (the events are from 2026-03 and 2026-10) and the dedupe window must
 * cover the retries (they arrive seconds to minutes after the first copy).
 */
const openStore: StoreFactory | null = null;

describeDifferential('DuckDbStore', openStore, { runs: 25, queriesPerSet: 12 });
// The embedded store answers exactly: it has no sampled side.
describeSampledDifferential('DuckDbStore', null);
