import { Counter, Gauge, type Registry } from 'prom-client';
import { isClickstreamError } from '../domain/errors.js';
import type { AppendRecord, EventLog } from '../ports/event-log.js';

/** What the log decorator reports; prom-client stays behind it. */
export interface EventLogObserver {
  appendStarted(): void;
  appendFinished(records: readonly AppendRecord[], error: unknown): void;
  deadLettered(error: unknown): void;
}

/** The codes an append can fail with; initialised at 0 so rate() and alerts see a series before the first error. */
const APPEND_ERROR_CODES = [
  'LOG_OVERLOADED',
  'LOG_UNAVAILABLE',
  'SHUTTING_DOWN',
  'INTERNAL',
] as const;

export function errorCode(error: unknown): string {
  return isClickstreamError(error) ? error.code : 'INTERNAL';
}

export function createEventLogMetrics(registry: Registry): EventLogObserver {
  const registers = [registry];
  const records = new Counter({
    name: 'clickstream_log_appended_records_total',
    help: 'Records made durable in the event log.',
    registers,
  });
  const bytes = new Counter({
    name: 'clickstream_log_appended_bytes_total',
    help: 'Bytes (keys and values) made durable in the event log.',
    registers,
  });
  const errors = new Counter({
    name: 'clickstream_log_append_errors_total',
    help: 'Appends the event log refused or failed, by error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const inFlight = new Gauge({
    name: 'clickstream_log_appends_in_flight',
    help: 'Appends waiting for the event log to make them durable.',
    registers,
  });
  const deadLetterErrors = new Counter({
    name: 'clickstream_log_dead_letter_errors_total',
    help: 'Dead-letter writes that failed.',
    registers,
  });
  for (const code of APPEND_ERROR_CODES) errors.inc({ code }, 0);

  return {
    appendStarted: () => inFlight.inc(),
    appendFinished(appended, error) {
      inFlight.dec();
      if (error !== undefined) return void errors.inc({ code: errorCode(error) });
      records.inc(appended.length);
      let size = 0;
      for (const record of appended) size += Buffer.byteLength(record.key) + record.value.length;
      bytes.inc(size);
    },
    deadLettered: (error) => {
      if (error !== undefined) deadLetterErrors.inc();
    },
  };
}

/**
 * The EventLog port with metrics around it: the same contract, so any adapter (SqliteLog,
 * KafkaLog) is measured the same way without knowing about Prometheus.
 */
export function instrumentEventLog(log: EventLog, observer: EventLogObserver): EventLog {
  return {
    get partitions() {
      return log.partitions;
    },
    async append(records) {
      observer.appendStarted();
      try {
        await log.append(records);
      } catch (error) {
        observer.appendFinished(records, error ?? new Error('append failed'));
        throw error;
      }
      observer.appendFinished(records, undefined);
    },
    consume: (options) => log.consume(options),
    async deadLetter(record, reason) {
      try {
        await log.deadLetter(record, reason);
      } catch (error) {
        observer.deadLettered(error ?? new Error('dead letter failed'));
        throw error;
      }
      observer.deadLettered(undefined);
    },
    close: () => log.close(),
  };
}
