import { ClickstreamError } from '../../domain/errors.js';

/**
 * DuckDB's answers that mean "not now" rather than "wrong": the file cannot be read or written
 * (IO Error: disk full, permissions), memory ran out, or the store is closing (its connection is
 * gone). A mistake in a query (a Binder or Parser Error) is a bug and stays one.
 */
const UNAVAILABLE =
  /^(IO Error|Out of Memory Error|Connection Error|FATAL Error)|connection (already )?closed|database (is )?closed|instance (already )?closed/i;

export function isUnavailable(error: unknown): boolean {
  return error instanceof Error && UNAVAILABLE.test(error.message);
}

/** Calls that could not use the database answer 503 STORE_UNAVAILABLE; anything else stays as it is. */
export async function asStoreError<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUnavailable(error))
      throw new ClickstreamError('STORE_UNAVAILABLE', 'the store (DuckDB) cannot answer now', {
        cause: error,
      });
    throw error;
  }
}
