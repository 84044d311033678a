import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './tools.js';

export const DASHBOARD_DIR = join(ROOT, 'deploy/grafana/dashboards');
export const RULES_DIR = join(ROOT, 'deploy/prometheus/rules');

export interface PromqlSource {
  /** Where the expression comes from, for failure messages: `dashboard.json › panel › A`. */
  where: string;
  expr: string;
  /**
   * The part that must return data under traffic: the expression itself, or for an alert
   * `signal > threshold` the signal (the alert is quiet when healthy). Undefined for an alert that
   * combines conditions (`a == 0 and b > 0`): its parts are recording rules, checked on their own.
   */
  signal: string | undefined;
}

/**
 * Expressions about Kafka's and Cassandra's own metrics (their JMX exporters: kafka_*, cassandra_*,
 * and the JVM and scrape series of those jobs). The embedded proof (prometheus.test.ts) has neither
 * and only parses them; monitoring.test.ts runs a real broker and node and needs data from them.
 */
const EXTERNAL = /\b(kafka|cassandra)_\w*|job="(kafka|cassandra)"/;

export function isExternal(source: PromqlSource): boolean {
  return EXTERNAL.test(source.expr);
}

interface Panel {
  title?: string;
  type: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: Panel[];
}

export interface DashboardFile {
  file: string;
  json: {
    uid: string;
    title: string;
    panels: Panel[];
    templating?: { list: { name: string; query?: string; current?: { value?: string } }[] };
  };
}

export function loadDashboards(): DashboardFile[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) }));
}

export function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/**
 * Grafana's own macros become what Grafana would send for a short time range; dashboard variables
 * take their default value. A one-minute rate window holds the whole load of the test (scraped every
 * second), however slow the machine is between the load and the queries.
 */
export function substituteGrafana(expr: string, variables: Record<string, string>): string {
  const values: Record<string, string> = {
    __rate_interval: '1m',
    __interval: '15s',
    __range: '5m',
    ...variables,
  };
  return expr.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (match, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const value = values[name];
      if (value === undefined) throw new Error(`unknown Grafana variable ${match} in ${expr}`);
      return value;
    },
  );
}

/** Every panel's expressions, dashboard variables at their defaults unless `overrides` names them. */
export function dashboardExpressions(overrides: Record<string, string> = {}): PromqlSource[] {
  return loadDashboards().flatMap(({ file, json }) => {
    const defaults = Object.fromEntries(
      (json.templating?.list ?? []).map((v) => [v.name, v.current?.value ?? v.query ?? '']),
    );
    const variables = {
      ...defaults,
      ...Object.fromEntries(Object.entries(overrides).filter(([name]) => name in defaults)),
    };
    return allPanels(json.panels).flatMap((panel) =>
      (panel.targets ?? []).map((target) => {
        if (!target.expr)
          throw new Error(`${file} › ${panel.title} › ${target.refId}: a target without expr`);
        const expr = substituteGrafana(target.expr, variables);
        return { where: `${file} › ${panel.title} › ${target.refId}`, expr, signal: expr };
      }),
    );
  });
}

interface RuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}

export function ruleFiles(): string[] {
  return readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => join(RULES_DIR, f));
}

/** `signal OP number` → signal, when the signal has no set operator of its own (and/or/unless). */
export function alertSignal(expr: string): string | undefined {
  const match = /^([\s\S]*?)\s*(==|!=|>=|<=|>|<)\s*(-?[\d.]+(?:e[+-]?\d+)?)\s*$/.exec(expr.trim());
  if (!match || /\b(and|or|unless)\b/.test(match[1]!)) return undefined;
  return match[1]!;
}

export function ruleExpressions(): PromqlSource[] {
  return ruleFiles().flatMap((path) => {
    const file = parse(readFileSync(path, 'utf8')) as RuleFile;
    return file.groups.flatMap((group) =>
      group.rules.map((rule) => ({
        where: `${path.slice(ROOT.length + 1)} › ${rule.record ?? rule.alert}`,
        expr: rule.expr,
        signal: rule.alert ? alertSignal(rule.expr) : rule.expr,
      })),
    );
  });
}
