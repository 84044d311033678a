import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './tools.js';

export interface ComposeService {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  restart?: string;
  command?: unknown;
  volumes?: (string | { type: string; source?: string })[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}

/**
 * Compose's variable interpolation with the variables unset, as on a fresh machine:
 * `${X:-default}` / `${X-default}` take the default, `${X}` / `$X` become empty, `$$` is a `$`.
 * `${X:?message}` fails, as `docker compose` would.
 */
export function interpolate(text: string): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)/g,
    (match, name?: string, op?: string, arg?: string) => {
      if (match === '$$') return '$';
      if (op === ':?' || op === '?') throw new Error(`${name} is required: ${arg}`);
      return op ? (arg ?? '') : '';
    },
  );
}

/** docker-compose.yml as `docker compose config` would see it: interpolated, YAML merge keys applied. */
export function loadCompose(): { raw: string; doc: ComposeFile } {
  const raw = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  return { raw, doc: parse(interpolate(raw), { merge: true }) as ComposeFile };
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((line) => [line.split('=')[0]!, line.split('=').slice(1).join('=')]),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export function dependenciesOf(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, d]) => [name, d.condition ?? 'service_started']),
  );
}
