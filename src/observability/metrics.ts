import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { createEventLogMetrics } from './event-log-metrics.js';
import { createHttpMetrics } from './http-metrics.js';
import { createIngestMetrics, createProcessorMetrics } from './pipeline-metrics.js';
import { createStoreMetrics } from './store-metrics.js';

/** What this process is; exported as clickstream_info so dashboards can tell the roles apart. */
export interface ProcessInfo {
  roles: readonly string[];
  eventLog: string;
  store: string;
}

/**
 * Every Prometheus metric of the process, in one registry. Other parts see only the small
 * observer interfaces they report to (or the port decorators); prom-client stays in this folder.
 * The default metrics bring the runtime: event-loop lag, heap, GC, CPU, file descriptors.
 */
export function createMetrics(
  info: ProcessInfo = { roles: [], eventLog: 'unknown', store: 'unknown' },
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clickstream_' });
  new Gauge({
    name: 'clickstream_info',
    help: 'Always 1; the labels say which roles and adapters this process runs.',
    labelNames: ['roles', 'event_log', 'store'] as const,
    registers: [registry],
  }).set(
    { roles: [...info.roles].sort().join(','), event_log: info.eventLog, store: info.store },
    1,
  );

  return {
    registry,
    http: createHttpMetrics(registry),
    ingest: createIngestMetrics(registry),
    processor: createProcessorMetrics(registry),
    eventLog: createEventLogMetrics(registry),
    store: createStoreMetrics(registry),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
