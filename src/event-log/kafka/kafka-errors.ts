import { ClickstreamError } from '../../domain/errors.js';

interface KafkaClientError {
  findBy(property: string, value: unknown): unknown;
}

function isKafkaClientError(error: unknown): error is KafkaClientError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Partial<KafkaClientError>).findBy === 'function'
  );
}

/** True when the error (or one it aggregates) is the Kafka protocol error `apiId`. */
export function hasProtocolError(error: unknown, apiId: string): boolean {
  return isKafkaClientError(error) && error.findBy('apiId', apiId) !== null;
}

/** The answer to an append Kafka did not acknowledge: 503, the client retries. */
export function logUnavailable(
  cause: unknown,
  message = 'the event log (Kafka) is unavailable; retry shortly',
): ClickstreamError {
  return new ClickstreamError('LOG_UNAVAILABLE', message, { cause });
}

export function logOverloaded(): ClickstreamError {
  return new ClickstreamError('LOG_OVERLOADED', 'the event log is behind; retry shortly');
}

/** Thrown by the consumer loop when the handler failed, to tell it from a Kafka failure. */
export class HandlerFailed extends Error {
  constructor(cause: unknown) {
    super('the batch handler failed', { cause });
    this.name = 'HandlerFailed';
  }
}
