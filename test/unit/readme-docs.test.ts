import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema } from '../../src/config/config-schema.js';
import { ErrorCodes } from '../../src/domain/errors.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const readme = read('README.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);

/** The rows of the Markdown tables of a page, as trimmed cells (padded by Prettier or not). */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => /^\|.*\|\s*$/.test(l))
    .map((l) =>
      l
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

describe('the README is what a newcomer needs', () => {
  it('fits in 400 lines and keeps the two commands, and CI runs the same test command', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('bash scripts/test-prerequisites.sh && npm install && npm test');
    expect(read('.ci/run')).toMatch(/^npm test\b/m);
  });

  it('links to every page of docs/', () => {
    for (const doc of DOCS) expect(readme, doc).toContain(`](${doc})`);
  });
});

describe('the docs stay true to the code', () => {
  it('docs/configuration.md documents every setting with its default', () => {
    const rows = tableRows(read('docs/configuration.md'));
    for (const [name, schema] of Object.entries(
      ConfigSchema.properties as Record<string, { default?: string | number | boolean | string[] }>,
    )) {
      const row = rows.find((cells) => cells[0] === `\`${name}\``);
      expect(row, `docs/configuration.md lacks ${name}`).toBeDefined();
      const empty =
        schema.default === '' || (Array.isArray(schema.default) && schema.default.length === 0);
      if (schema.default !== undefined && !empty) {
        const shown = Array.isArray(schema.default)
          ? schema.default.join(',')
          : String(schema.default);
        expect(row![1], `${name} default`).toBe(`\`${shown}\``);
      }
    }
  });

  it('docs/api.md lists every error code a client can receive, with its status', () => {
    const rows = tableRows(read('docs/api.md'));
    for (const [code, status] of Object.entries(ErrorCodes)) {
      const row = rows.find((cells) => cells[1]?.split(' / ').includes(`\`${code}\``));
      expect(row, `docs/api.md lacks error code ${code}`).toBeDefined();
      expect(row![0], `${code} status`).toBe(String(status));
    }
  });

  it('docs/monitoring.md names exactly the alerts of deploy/prometheus/rules', () => {
    const dir = join(ROOT, 'deploy/prometheus/rules');
    const alerts = readdirSync(dir)
      .flatMap(
        (f) =>
          (
            parse(readFileSync(join(dir, f), 'utf8')) as {
              groups: { rules: { alert?: string }[] }[];
            }
          ).groups,
      )
      .flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    const documented = tableRows(read('docs/monitoring.md')).flatMap(
      (cells) => /^`((?:Clickstream|Kafka|Cassandra)\w+)`$/.exec(cells[0] ?? '')?.[1] ?? [],
    );
    expect(documented.sort()).toEqual(alerts.sort());
  });

  it('has no broken relative link, to a file or to a heading', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/`/g, '')
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
    const anchors = (file: string) =>
      new Set([...readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
    const broken: string[] = [];
    for (const page of ['README.md', ...DOCS]) {
      const text = read(page).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        const [path, anchor] = target!.split('#', 2);
        const file = path ? resolve(join(ROOT, dirname(page)), path) : join(ROOT, page);
        if (!existsSync(file)) broken.push(`${page}: ${target}`);
        else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor))
          broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
