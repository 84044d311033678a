import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TrackInputSchema } from '../domain/track-input.js';
import type { IngestObserver } from '../ingest/ingest-service.js';
import type { ProcessorObserver } from '../processor/processor-observer.js';
import { BATCH_COUNTS, LATENCY_SECONDS } from './metric-buckets.js';

const OUTCOMES = ['stored', 'duplicate', 'dead_lettered'] as const;

/**
 * The closed list of `reason` labels of clickstream_ingest_events_rejected_total: the fields an
 * event may have, `event` for the event as a whole, and `unknown_field` for any other name. A
 * rejection names the field at fault, and an unknown field's name is the client's own string: used
 * as a label it would let anyone who can post create series without end.
 */
export const REJECTION_REASONS: readonly string[] = [
  ...Object.keys(TrackInputSchema.properties),
  'event',
  'unknown_field',
];
const KNOWN_REASONS = new Set(REJECTION_REASONS);

/** The field path's first segment (`element.text` → `element`), if it is in the closed list. */
export function rejectionReason(field: string): string {
  const head = field.split('.', 1)[0] ?? field;
  return KNOWN_REASONS.has(head) ? head : 'unknown_field';
}

export function createIngestMetrics(registry: Registry): IngestObserver {
  const registers = [registry];
  const accepted = new Counter({
    name: 'clickstream_ingest_events_accepted_total',
    help: 'Events durably appended to the log.',
    registers,
  });
  const rejected = new Counter({
    name: 'clickstream_ingest_events_rejected_total',
    help: 'Events refused, by the field at fault.',
    labelNames: ['reason'] as const,
    registers,
  });
  const received = new Histogram({
    name: 'clickstream_ingest_request_events',
    help: 'Events in one ingest request (1 for POST /track), valid or not.',
    buckets: BATCH_COUNTS,
    registers,
  });
  const appendDuration = new Histogram({
    name: 'clickstream_log_append_duration_seconds',
    help: "Time for the event log to make a request's events durable.",
    buckets: LATENCY_SECONDS,
    registers,
  });
  return {
    received: (count) => received.observe(count),
    accepted: (count) => accepted.inc(count),
    rejected: (field) => rejected.inc({ reason: rejectionReason(field) }),
    appended: (seconds) => appendDuration.observe(seconds),
  };
}

export function createProcessorMetrics(registry: Registry): ProcessorObserver {
  const registers = [registry];
  const processed = new Counter({
    name: 'clickstream_processor_events_total',
    help: 'Events handled by the processor, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const batches = new Counter({
    name: 'clickstream_processor_batches_total',
    help: 'Micro-batches committed to the store.',
    registers,
  });
  const batchRecords = new Histogram({
    name: 'clickstream_processor_batch_records',
    help: 'Records in one committed micro-batch.',
    buckets: BATCH_COUNTS,
    registers,
  });
  const commitDuration = new Histogram({
    name: 'clickstream_processor_commit_duration_seconds',
    help: 'Time to commit one micro-batch to the store.',
    buckets: LATENCY_SECONDS,
    registers,
  });
  const lag = new Gauge({
    name: 'clickstream_processor_lag_records',
    help: 'Records in the log not yet processed, per partition this process owns.',
    labelNames: ['partition'] as const,
    registers,
  });
  const stopped = new Gauge({
    name: 'clickstream_processor_partitions_stopped',
    help: 'Partitions this process owns but will not read: their checkpoint is past the end of the log (recreated or wiped); see clickstream checkpoints reset.',
    registers,
  });
  for (const outcome of OUTCOMES) processed.inc({ outcome }, 0);

  return {
    batch(outcomes, seconds) {
      let records = 0;
      for (const outcome of OUTCOMES) {
        processed.inc({ outcome }, outcomes[outcome]);
        records += outcomes[outcome];
      }
      batches.inc();
      batchRecords.observe(records);
      commitDuration.observe(seconds);
    },
    lag(byPartition) {
      // After a rebalance this process no longer owns some partitions: drop their old values
      // rather than report a lag another consumer is now responsible for.
      lag.reset();
      for (const [partition, records] of byPartition)
        lag.set({ partition: String(partition) }, records);
    },
    stopped(partitions) {
      stopped.set(partitions.size);
    },
  };
}
