import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseConfig from 'dependency-cruiser/config-utl/extract-depcruise-config';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run lint:imports` runs dependency-cruiser with .dependency-cruiser.mjs. A configuration that
 * resolves nothing passes every tree ("0 modules cruised"), so this holds it to both sides: it reads
 * every file of src/ and finds no cycle there, and it does find each kind of cycle in a small tree
 * that has them.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const config = await extractDepcruiseConfig(join(ROOT, '.dependency-cruiser.mjs'));
const tsConfig = extractTSConfig(join(ROOT, 'tsconfig.json'));

async function cruiseTree(baseDir: string, dir: string) {
  const { output } = await cruise(
    [dir],
    { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden }, baseDir },
    {},
    { tsConfig },
  );
  const result = output as ICruiseResult;
  return {
    modules: result.modules.map((m) => m.source),
    violations: result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
  };
}

const tsFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `${dir}/${file.replaceAll('\\', '/')}`);

const fixtures: string[] = [];
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
});

function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-cycles-'));
  fixtures.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('import cycles (npm run lint:imports)', () => {
  it('reads every module of src/ and finds neither a module cycle nor a folder loop', async () => {
    const { modules, violations } = await cruiseTree(ROOT, 'src');
    expect(modules.filter((m) => m.startsWith('src/')).sort()).toEqual(tsFiles('src').sort());
    expect(violations).toEqual([]);
  });

  it('fails two modules that import each other, type-only imports included', async () => {
    const dir = writeTree({
      'p/a.ts': "import type { B } from './b.js';\nexport type A = B | 1;\n",
      'p/b.ts': "import type { A } from './a.js';\nexport type B = A | 2;\n",
    });
    expect((await cruiseTree(dir, '.')).violations).toEqual(['no-circular: p/a.ts → p/b.ts']);
  });

  it('fails two folders that import from each other through different files', async () => {
    const dir = writeTree({
      'settings/x.ts': "import { y } from '../funnel/y.js';\nexport const x = y;\n",
      'settings/z.ts': 'export const z = 1;\n',
      'funnel/y.ts': "import { z } from '../settings/z.js';\nexport const y = z;\n",
    });
    expect((await cruiseTree(dir, '.')).violations.sort()).toEqual([
      'no-folder-loop: funnel → settings',
      'no-folder-loop: settings → funnel',
    ]);
  });
});
