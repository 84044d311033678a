import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './tools.js';

export const CHART = join(ROOT, 'deploy/helm/clickstream');
/** The Kubernetes version the chart is rendered for and validated against (kubernetes-validate has 1.25–1.37). */
export const KUBE_VERSION = '1.33.0';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export function run(
  binary: string,
  args: readonly string[],
): { status: number | null; stdout: string; output: string } {
  const result = spawnSync(binary, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}`,
  };
}

/** `helm template` → the manifests, or a thrown error with helm's message. */
export function template(
  helm: string,
  args: readonly string[] = [],
): { yaml: string; manifests: Manifest[] } {
  const result = run(helm, [
    'template',
    'demo',
    CHART,
    '--namespace',
    'analytics',
    '--kube-version',
    KUBE_VERSION,
    ...args,
  ]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.output}`);
  const manifests = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
  return { yaml: result.stdout, manifests };
}
