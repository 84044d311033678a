import type { AnalyticsReader } from './analytics-reader.js';
import type { CommitResult, EventStore, StoreBatch } from './event-store.js';
import type { FunnelReader, VisitStepSource } from './funnel-reader.js';
import type { PropertyKeysReader } from './property-keys.js';

/**
 * Several partitions' batches in one transaction, each checkpoint moving with its events; a batch
 * already committed is skipped as `EventStore.commit` skips it. A store whose commit has a large
 * fixed cost (DuckDB) offers it so a pass over a quiet log pays that cost once, not once per
 * partition. A store that fences each partition's writer (Cassandra) does not.
 */
export interface TogetherCommitter {
  commitTogether(batches: readonly StoreBatch[]): Promise<CommitResult>;
}

/**
 * What a store can do beyond the two ports every store keeps. The adapter declares each ability
 * it has; callers use what is declared and never probe a store for methods.
 */
export interface StoreCapabilities {
  readonly commitTogether?: TogetherCommitter | undefined;
  /** Funnels in the store's own engine (DuckDB's SQL). */
  readonly funnel?: FunnelReader | undefined;
  /** Each counted visit's step events, for a funnel computed in the process (createScanFunnel). */
  readonly visitSteps?: VisitStepSource | undefined;
  /** The property keys of a range's counted events. */
  readonly propertyKeys?: PropertyKeysReader | undefined;
}

/** A store as the composition root opens it: the write and read ports and its declared abilities. */
export interface Store extends EventStore, AnalyticsReader {
  readonly capabilities: StoreCapabilities;
}
