import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, requireProgram } from './support/tools.js';

const PROMETHEUS_DIR = join(ROOT, 'deploy/prometheus');

function promtool(...args: string[]): { status: number | null; output: string } {
  const binary = requireProgram('promtool', 'It comes with Debian\'s prometheus package: `apt-get install -y prometheus` (.ci/run does this).');
  const run = spawnSync(binary, args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** promtool is Prometheus's own checker: what it accepts, the server loads. */
describe('deploy/prometheus checked by promtool', () => {
  it('has a valid scrape configuration (and the rule files it names)', () => {
    const run = promtool('check', 'config', 'prometheus.yml');
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(/rules\/clickstream\.rules\.yml/);
  });

  it('has valid alerting and recording rules', () => {
    const run = promtool('check', 'rules', 'rules/clickstream.rules.yml');
    expect(run.status, run.output).toBe(0);
  });

  it('fires each alert on the series that should trip it, and not on healthy ones (promtool test rules)', () => {
    const run = promtool('test', 'rules', 'tests/clickstream.rules.test.yml');
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('SUCCESS');
  });
});
