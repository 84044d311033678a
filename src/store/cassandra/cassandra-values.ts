import { types } from 'cassandra-driver';

/**
 * Typed reads of driver values. The driver hands columns out as `any`: bigint as Long, timestamp
 * as Date, uuid as Uuid, blob as Buffer, unset as null. These narrow them at the edge.
 */
export function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof types.Long) return value.toNumber();
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  if (value === null || value === undefined) return 0;
  throw new TypeError(`not a number: ${typeof value}`);
}

export function nullableNumberOf(value: unknown): number | null {
  return value === null || value === undefined ? null : numberOf(value);
}

export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new TypeError(`not text: ${typeof value}`);
}

export function nullableTextOf(value: unknown): string | null {
  return value === null || value === undefined ? null : textOf(value);
}

export function booleanOf(value: unknown): boolean {
  return value === true;
}

/** Uuids are compared as their canonical text. */
export function uuidTextOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof types.Uuid) return value.toString();
  throw new TypeError(`not a uuid: ${typeof value}`);
}

export function uuidSetOf(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError('not a set');
  return value.map((item: unknown) => uuidTextOf(item) ?? '');
}

export function bytesOf(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`not a blob: ${typeof value}`);
}
