import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** Where a program is on PATH, or undefined. */
export function which(program: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * A program the deploy tests need, or a failure that says how to get it. The tests do not skip:
 * a green run must mean the check ran (.ci/run installs everything).
 */
export function requireProgram(program: string, install: string): string {
  const path = which(program);
  if (!path) throw new Error(`${program} is not installed. ${install}`);
  return path;
}

/**
 * helm, built from the Go module proxy by deploy/tools/ensure-helm.sh into the gitignored
 * .cache/tools (a fresh clone builds it once, in about 3 minutes on two cores; later runs reuse it).
 */
export function ensureHelm(): string {
  return ensureTool('ensure-helm.sh');
}

/** kubernetes-validate (PyPI) in a virtualenv under .cache/tools, installed by deploy/tools/ensure-kubernetes-validate.sh. */
export function ensureKubernetesValidate(): string {
  return ensureTool('ensure-kubernetes-validate.sh');
}

function ensureTool(script: string): string {
  const path = execFileSync('bash', [resolve(ROOT, 'deploy/tools', script)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 9 * 60_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  if (!existsSync(path)) throw new Error(`${script} printed ${path}, which does not exist`);
  return path;
}
