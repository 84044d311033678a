import { Counter, Histogram, type Registry } from 'prom-client';
import type { Store } from '../ports/store-capabilities.js';
import { LATENCY_SECONDS } from './metric-buckets.js';

/** Every store call, named after the port method; `kind` lets a panel split writes from reads. */
const OPERATIONS = {
  commit: 'write',
  erase_visitor: 'write',
  checkpoint: 'read',
  aggregate: 'read',
  first_event: 'read',
  visitor_events: 'read',
  sites: 'read',
  ping: 'read',
} as const;
export type StoreOperation = keyof typeof OPERATIONS;

export interface StoreObserver {
  observe(operation: StoreOperation, seconds: number, failed: boolean): void;
}

export function createStoreMetrics(registry: Registry): StoreObserver {
  const registers = [registry];
  const duration = new Histogram({
    name: 'clickstream_store_operation_duration_seconds',
    help: 'Time of a store call (write: a batch commit; read: queries, checkpoints, pings), by operation.',
    labelNames: ['operation', 'kind'] as const,
    buckets: LATENCY_SECONDS,
    registers,
  });
  const errors = new Counter({
    name: 'clickstream_store_operation_errors_total',
    help: 'Store calls that failed, by operation.',
    labelNames: ['operation', 'kind'] as const,
    registers,
  });
  // Every (operation, kind) exists at 0 from the start, so error ratios are 0 rather than absent.
  for (const [operation, kind] of Object.entries(OPERATIONS)) errors.inc({ operation, kind }, 0);

  return {
    observe(operation, seconds, failed) {
      const labels = { operation, kind: OPERATIONS[operation] };
      duration.observe(labels, seconds);
      if (failed) errors.inc(labels);
    },
  };
}

/**
 * The store ports with metrics around them: the same contract, so DuckDbStore and CassandraStore
 * are measured alike. A batch commit writes several tables in one batch or transaction, so the
 * port call — not the table — is the unit an operator can act on.
 */
export function instrumentStore(store: Store, observer: StoreObserver): Store {
  const timed = async <T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    let failed = true;
    try {
      const result = await call();
      failed = false;
      return result;
    } finally {
      observer.observe(operation, (performance.now() - started) / 1000, failed);
    }
  };
  const together = store.capabilities.commitTogether;
  return {
    kind: store.kind,
    // Funnels and property keys are the query's to time (they are not store traffic of their own).
    capabilities: {
      ...store.capabilities,
      commitTogether: together && {
        commitTogether: (batches) => timed('commit', () => together.commitTogether(batches)),
      },
    },
    commit: (batch) => timed('commit', () => store.commit(batch)),
    eraseVisitor: (siteId, visitorId) =>
      timed('erase_visitor', () => store.eraseVisitor(siteId, visitorId)),
    checkpoint: (partition) => timed('checkpoint', () => store.checkpoint(partition)),
    // An operator's repair (clickstream checkpoints reset), not traffic: not measured.
    resetCheckpoint: (partition, nextOffset) => store.resetCheckpoint(partition, nextOffset),
    aggregate: (plan) => timed('aggregate', () => store.aggregate(plan)),
    firstEventAt: (siteId) => timed('first_event', () => store.firstEventAt(siteId)),
    visitorEvents: (query) => timed('visitor_events', () => store.visitorEvents(query)),
    sites: (limit) => timed('sites', () => store.sites(limit)),
    ping: () => timed('ping', () => store.ping()),
    close: () => store.close(),
  };
}
