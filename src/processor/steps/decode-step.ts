import { decodeEvent } from '../../domain/event-codec.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import type { LogRecord } from '../../ports/event-log.js';

export type StepResult<T> =
  { kind: 'ok'; value: T } | { kind: 'dlq'; reason: string } | { kind: 'drop'; reason: string };

/** Turns a log record into an event; a record that is not one goes to the dead-letter queue. */
export function createDecodeStep() {
  return (record: LogRecord): StepResult<TrackedEvent> => {
    const decoded = decodeEvent(record.value);
    return decoded.ok
      ? { kind: 'ok', value: decoded.event }
      : { kind: 'dlq', reason: decoded.reason };
  };
}
