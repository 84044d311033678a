import { parseArgs } from 'node:util';

/** A wrong command line. The CLI prints the message and exits with code 2, like most Unix tools. */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** `string` flags take a value; `boolean` flags are switches. */
  type: 'string' | 'boolean';
  description: string;
  /** Shown in the help text (for flags that take a value). */
  placeholder?: string;
  default?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type RawFlags = Record<string, string | boolean | undefined>;

/**
 * Parses argv strictly: an unknown flag, a missing value or a stray argument is a UsageError that
 * names the flag, so a typo never silently falls back to a default.
 */
export function parseFlags(argv: readonly string[], specs: FlagSpecs): RawFlags {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }]),
  );
  try {
    const { values } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? error.message.replace(/\. To specify.*$/s, '') : String(error),
    );
  }
}

export function helpText(usage: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = spec.type === 'string' ? `--${name} ${spec.placeholder ?? 'VALUE'}` : `--${name}`;
    const fallback = spec.default === undefined ? '' : ` (default: ${spec.default})`;
    return `  ${left.padEnd(28)} ${spec.description}${fallback}`;
  });
  return `${usage}\n\nOptions:\n${rows.join('\n')}\n`;
}

/** The string value of a flag, or undefined when it was not given. */
export function stringFlag(flags: RawFlags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredFlag(flags: RawFlags, name: string): string {
  const value = stringFlag(flags, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** An http(s) URL; the path (if any) is kept as a prefix for the API routes. */
export function urlFlag(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--${name} must be an http(s) URL such as http://127.0.0.1:8080, got "${value}"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--${name} must be an http(s) URL, got "${value}"`);
  }
  return url;
}

export function integerFlag(name: string, value: string, min: number, max: number): number {
  const number = /^-?\d+$/.test(value.replaceAll('_', ''))
    ? Number(value.replaceAll('_', ''))
    : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

export function numberFlag(name: string, value: string, min: number, max: number): number {
  const number = value.trim() === '' ? Number.NaN : Number(value.replaceAll('_', ''));
  if (!Number.isFinite(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

/** A share as a fraction (0.05) or a percentage (5%). */
export function shareFlag(name: string, value: string): number {
  const percent = value.endsWith('%');
  const number = Number(percent ? value.slice(0, -1) : value);
  const share = percent ? number / 100 : number;
  if (value.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1) {
    throw new UsageError(`--${name} must be a share from 0 to 1 (or 0% to 100%), got "${value}"`);
  }
  return share;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration: `30s`, `2m`, `500ms`, `1h`, or a bare number of seconds. Returns milliseconds. */
export function durationFlag(name: string, value: string, minMs: number, maxMs: number): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2] ?? 's']! : Number.NaN;
  if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) {
    throw new UsageError(
      `--${name} must be a duration such as 30s, 2m or 500ms, from ${formatMs(minMs)} to ${formatMs(maxMs)}, got "${value}"`,
    );
  }
  return Math.round(ms);
}

function formatMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
