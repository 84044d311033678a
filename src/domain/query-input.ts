import { ClickstreamError } from './errors.js';

/**
 * The two checks every query-side body parser starts with (the general query, funnels, property
 * keys, goals, saved funnels, shared links): each mistake is a 400 INVALID_QUERY naming its field.
 */
export function invalid(field: string, message: string): never {
  throw new ClickstreamError('INVALID_QUERY', message, { field });
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
