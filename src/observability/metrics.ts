import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestObserver } from '../ingest/ingest-service.js';
import type { ProcessorObserver } from '../processor/processor-observer.js';

/**
 * Every Prometheus metric of the process, in one registry. Other parts see only the small
 * observer interfaces they report to; prom-client stays in this folder.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clickstream_' });
  const registers = [registry];

  const httpDuration = new Histogram({
    name: 'clickstream_http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const eventsAccepted = new Counter({ name: 'clickstream_ingest_events_accepted_total', help: 'Events durably appended to the log.', registers });
  const eventsRejected = new Counter({
    name: 'clickstream_ingest_events_rejected_total',
    help: 'Events refused, by the field at fault.',
    labelNames: ['reason'] as const,
    registers,
  });
  const appendDuration = new Histogram({
    name: 'clickstream_log_append_duration_seconds',
    help: 'Time for the event log to make a request\'s events durable.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });
  const processed = new Counter({ name: 'clickstream_processor_events_total', help: 'Events handled by the processor, by outcome.', labelNames: ['outcome'] as const, registers });
  const commitDuration = new Histogram({
    name: 'clickstream_processor_commit_duration_seconds',
    help: 'Time to commit one micro-batch to the store.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });
  const lag = new Gauge({ name: 'clickstream_processor_lag_records', help: 'Records in the log not yet processed, per partition.', labelNames: ['partition'] as const, registers });

  const ingest: IngestObserver = {
    accepted: (count) => eventsAccepted.inc(count),
    rejected: (reason) => eventsRejected.inc({ reason: reason.split('.')[0] ?? reason }),
    appended: (seconds) => appendDuration.observe(seconds),
  };
  const processor: ProcessorObserver = {
    batch: (outcomes, seconds) => {
      for (const [outcome, count] of Object.entries(outcomes)) if (count) processed.inc({ outcome }, count);
      commitDuration.observe(seconds);
    },
    lag: (byPartition) => {
      for (const [partition, records] of byPartition) lag.set({ partition: String(partition) }, records);
    },
  };
  return {
    registry,
    ingest,
    processor,
    observeRequest: (method: string, route: string, statusCode: number, seconds: number) =>
      httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
