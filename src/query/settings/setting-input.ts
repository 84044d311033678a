import { randomBytes } from 'node:crypto';
import { ClickstreamError } from '../../domain/errors.js';
import { invalid, isRecord } from '../../domain/query-input.js';
import { isSiteId, SITE_ID_RULE } from '../../domain/site-id.js';

/** Checks shared by the settings routes' bodies: each mistake is a 400 naming its field. */

export function notFound(what: string): never {
  throw new ClickstreamError('NOT_FOUND', `no such ${what}`);
}

/** The body as an object with only the known fields, and its site. */
export function objectBody(
  body: unknown,
  known: readonly string[],
): Record<string, unknown> & { site_id: string } {
  if (!isRecord(body)) invalid('body', 'must be a JSON object');
  for (const key of Object.keys(body))
    if (!known.includes(key)) invalid(key, `is not a known field; use ${known.join(', ')}`);
  if (!isSiteId(body.site_id)) invalid('site_id', `is required: ${SITE_ID_RULE}`);
  return body as Record<string, unknown> & { site_id: string };
}

/** A display name: 1 to 120 characters, no control characters, trimmed. */
export function nameOf(value: unknown, field = 'name'): string {
  if (typeof value !== 'string') invalid(field, 'must be a string of 1 to 120 characters');
  const name = value.trim();
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > 120 || /[\u0000-\u001f\u007f]/.test(name))
    invalid(field, 'must be 1 to 120 characters, without control characters');
  return name;
}

export function sameName(a: string, b: string): boolean {
  return a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;
}

/** A record id: 72 random bits, URL-safe. */
export function newId(): string {
  return randomBytes(9).toString('base64url');
}
