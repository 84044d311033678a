import { ClickstreamError } from '../../domain/errors.js';

/**
 * SQLite's answers that mean "not now" rather than "wrong": the file is locked by another process
 * past busy_timeout, the disk is full, or it cannot be read or opened. (Result codes by prefix, so
 * the extended codes such as SQLITE_BUSY_SNAPSHOT and SQLITE_IOERR_WRITE count too.)
 */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL)/;

export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE.test(code);
}

/** Calls that could not use the database answer 503 STORE_UNAVAILABLE; anything else stays as it is. */
export async function asStoreError<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUnavailable(error))
      throw new ClickstreamError('STORE_UNAVAILABLE', 'the store (SQLite) cannot answer now', {
        cause: error,
      });
    throw error;
  }
}
