import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { isValidTimezone } from '../domain/stats/local-time.js';
import { ConfigSchema, LIST_SETTINGS, SECRET_SETTINGS, type Config } from './config-schema.js';

const checker = Compile(ConfigSchema);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads the settings from an environment (process.env in production), applies defaults and
 * validates them once. The first bad value stops the start with a message naming the variable.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(ConfigSchema.properties)) {
    const value = env[name];
    if (value === undefined || (value === '' && name !== 'FAILPOINT')) continue;
    raw[name] = LIST_SETTINGS.has(name)
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value.trim();
  }
  // Value.Convert truncates `1.5` to 1; a fractional integer setting is a mistake to report.
  const fractional = Object.keys(raw).find(
    (name) => schemaOf(name)?.type === 'integer' && !/^[+-]?\d+$/.test(String(raw[name])),
  );
  if (fractional !== undefined) throw invalid(fractional, env, 'must be integer');
  const candidate = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  if (!checker.Check(candidate)) {
    const error = checker.Errors(candidate)[0];
    throw invalid(
      error?.instancePath.split('/')[1] ?? 'configuration',
      env,
      error?.message ?? 'unknown rule',
    );
  }
  if (!isValidTimezone(candidate.DEFAULT_TIMEZONE))
    throw invalid('DEFAULT_TIMEZONE', env, 'must be an IANA time zone (UTC, Europe/Berlin)');
  for (const entry of candidate.SITE_TIMEZONES) {
    if (!isValidTimezone(entry.slice(entry.indexOf('=') + 1)))
      throw invalid('SITE_TIMEZONES', env, `${entry} does not name an IANA time zone`);
  }
  return candidate;
}

function invalid(name: string, env: Record<string, string | undefined>, rule: string): ConfigError {
  // A secret's value would land in the terminal or a supervisor's log: name it, never show it.
  const given = SECRET_SETTINGS.has(name) ? undefined : env[name];
  const description = schemaOf(name)?.description;
  return new ConfigError(
    `${name}${given === undefined ? '' : `=${JSON.stringify(given)}`} is invalid: ${rule}${description ? ` (${description})` : ''}`,
  );
}

function schemaOf(name: string): { type?: string; description?: string } | undefined {
  return (ConfigSchema.properties as Record<string, { type?: string; description?: string }>)[name];
}
