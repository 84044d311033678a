import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, requireProgram } from './support/tools.js';

const PROMETHEUS_DIR = join(ROOT, 'deploy/prometheus');

function promtool(...args: string[]): { status: number | null; output: string } {
  const binary = requireProgram(
    'promtool',
    "It comes with Debian's prometheus package: `apt-get install -y prometheus` (.ci/run does this).",
  );
  const run = spawnSync(binary, args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const files = (dir: string) =>
  readdirSync(join(PROMETHEUS_DIR, dir))
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => `${dir}/${f}`);
const RULE_FILES = files('rules');
const TEST_FILES = files('tests');

/** promtool is Prometheus's own checker: what it accepts, the server loads. */
describe('deploy/prometheus checked by promtool', () => {
  it('has a valid scrape configuration (and the rule files it names)', () => {
    const run = promtool('check', 'config', 'prometheus.yml');
    expect(run.status, run.output).toBe(0);
    for (const file of RULE_FILES) expect(run.output).toContain(file);
  });

  it.each(RULE_FILES)('%s has valid alerting and recording rules', (file) => {
    const run = promtool('check', 'rules', file);
    expect(run.status, run.output).toBe(0);
  });

  it.each(TEST_FILES)(
    '%s: each alert fires on the series that should trip it, and not on healthy ones (promtool test rules)',
    (file) => {
      const run = promtool('test', 'rules', file);
      expect(run.status, run.output).toBe(0);
      expect(run.output).toContain('SUCCESS');
    },
  );

  it('has a promtool test that fires every alert of every rule file', () => {
    const alerts = RULE_FILES.flatMap((file) =>
      (
        parse(readFileSync(join(PROMETHEUS_DIR, file), 'utf8')) as {
          groups: { rules: { alert?: string }[] }[];
        }
      ).groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))),
    );
    const fired = new Set(
      TEST_FILES.flatMap((file) => {
        const tests = (
          parse(readFileSync(join(PROMETHEUS_DIR, file), 'utf8')) as {
            tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
          }
        ).tests;
        return tests.flatMap((t) =>
          (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
        );
      }),
    );
    expect(alerts.length).toBeGreaterThan(20);
    expect(alerts.filter((alert) => !fired.has(alert))).toEqual([]);
  });
});
