import { ClickstreamError } from '../domain/errors.js';

/** Cursors are opaque to clients: the (timestamp, event_id) of the last event returned. */
export function encodeCursor(ts: number, eventId: string): string {
  return Buffer.from(`${ts}:${eventId}`).toString('base64url');
}

export function decodeCursor(cursor: string): { ts: number; eventId: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,16}):(.{1,64})$/s.exec(text);
  if (!match)
    throw new ClickstreamError('INVALID_QUERY', 'cursor is not one this API returned', {
      field: 'cursor',
    });
  return { ts: Number(match[1]), eventId: match[2]! };
}
