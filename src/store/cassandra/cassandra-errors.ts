import { errors, types } from 'cassandra-driver';
import { ClickstreamError } from '../../domain/errors.js';

/** Server answers that mean "not now" rather than "wrong": the cluster is down, slow or busy. */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.writeTimeout,
  types.responseErrorCodes.readFailure,
  types.responseErrorCodes.writeFailure,
]);

export function isUnavailable(error: unknown): boolean {
  if (
    error instanceof errors.NoHostAvailableError ||
    error instanceof errors.OperationTimedOutError ||
    error instanceof errors.BusyConnectionError
  )
    return true;
  // The connection closed under a request in flight (the node went away): not the query's fault.
  if (
    error instanceof errors.DriverError &&
    (error as { isSocketError?: unknown }).isSocketError === true
  )
    return true;
  return error instanceof errors.ResponseError && UNAVAILABLE_CODES.has(error.code);
}

/** Queries that could not reach Cassandra answer 503 STORE_UNAVAILABLE; anything else stays as it is. */
export async function asStoreError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUnavailable(error))
      throw new ClickstreamError('STORE_UNAVAILABLE', 'the store (Cassandra) cannot answer now', {
        cause: error,
      });
    throw error;
  }
}
