import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { ConfigSchema, LIST_SETTINGS, type Config } from './config-schema.js';

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
    if (value === undefined || value === '' && name !== 'FAILPOINT') continue;
    raw[name] = LIST_SETTINGS.has(name) ? value.split(',').map((s) => s.trim()).filter(Boolean) : value.trim();
  }
  const candidate = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  if (!checker.Check(candidate)) {
    const error = checker.Errors(candidate)[0];
    const name = error?.instancePath.split('/')[1] ?? 'configuration';
    const given = env[name];
    throw new ConfigError(
      `${name}${given === undefined ? '' : `=${JSON.stringify(given)}`} is invalid: ${error?.message ?? 'unknown rule'}` +
        describe(name),
    );
  }
  return candidate;
}

function describe(name: string): string {
  const schema = (ConfigSchema.properties as Record<string, { description?: string }>)[name];
  return schema?.description ? ` (${schema.description})` : '';
}
