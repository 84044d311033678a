import type { DuckDBValue } from '@duckdb/node-api';

/**
 * Positional parameters for a statement being built: every string that comes from data goes
 * through `bind`, never into the SQL text. Numbers the store computed itself (times, offsets,
 * partition numbers) are written inline so DuckDB sees integer constants and can prune row groups
 * by their min/max statistics.
 */
export class Params {
  readonly values: DuckDBValue[] = [];

  bind(value: string): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  list(values: readonly string[]): string {
    return values.map((v) => this.bind(v)).join(', ');
  }
}

/** An integer the store computed, checked before it is written into SQL. */
export function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/** A 128-bit visitor key as a literal. */
export function uhugeint(value: bigint): string {
  return `${value.toString()}::UHUGEINT`;
}

/** A quoted identifier (column names are ours; quoting keeps keywords such as `source` usable). */
export function column(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
