import { ConfigSchema } from '../../../src/config/config-schema.js';
import { loadConfig } from '../../../src/config/load-config.js';

export const CONFIG_KEYS: ReadonlySet<string> = new Set(Object.keys(ConfigSchema.properties));

/**
 * What is wrong with the environment a deployment gives a Clickstream process: a variable our
 * configuration does not know (a typo would be silently ignored), or a value the configuration
 * refuses (the process would stop at start).
 */
export function environmentProblems(where: string, env: Record<string, string>): string[] {
  const unknown = Object.keys(env)
    .filter((name) => !CONFIG_KEYS.has(name))
    .map((name) => `${where}: ${name} is not a setting of src/config/config-schema.ts`);
  try {
    loadConfig(env);
  } catch (error) {
    return [...unknown, `${where}: ${(error as Error).message}`];
  }
  return unknown;
}

/** `host:port` or `host` entries of a list setting → the host names. */
export function hostsOf(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/:\d+$/, ''))
    .filter(Boolean);
}
