import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config-schema.js';
import { ROOT } from './support/tools.js';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const all = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stages: Instruction[][] = [];
for (const instruction of all) {
  if (instruction.op === 'FROM') stages.push([]);
  stages.at(-1)?.push(instruction);
}
const runtime = stages.at(-1)!;
const args = (stage: Instruction[], op: string) =>
  stage.filter((i) => i.op === op).map((i) => i.args);
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('Dockerfile (no Docker engine here: its structure is checked)', () => {
  it('builds in one stage and runs from a slim one with the same Node base (better-sqlite3 is native)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const base = /^ARG NODE_IMAGE=(\S+)/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    // An exact tag: the image a build gets does not change under it.
    expect(base).toMatch(/^node:22\.\d+\.\d+-(bookworm-slim|slim|alpine)$/);
    expect(args(stages[0]!, 'FROM')[0]).toBe('${NODE_IMAGE} AS build');
    expect(args(runtime, 'FROM')[0]).toBe('${NODE_IMAGE} AS runtime');
    expect(args(stages[0]!, 'RUN').join(' ')).toMatch(/npm ci .*npm run build|npm run build/);
    expect(args(stages[0]!, 'RUN').join(' ')).toContain('npm prune --omit=dev');
    // The runtime stage copies build output only; it installs and compiles nothing.
    expect(args(runtime, 'RUN').join(' ')).not.toMatch(/npm (ci|install)|apt-get/);
  });

  it('runs as a non-root user with only the data folder writable', () => {
    const user = args(runtime, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(args(runtime, 'RUN').join(' ')).toContain('chown node:node /data');
    expect(args(runtime, 'ENV').join(' ')).toContain('DATA_DIR=/data');
  });

  it('starts the server that `npm run build` emits, on the configured port, with a HEALTHCHECK on /healthz', () => {
    expect(packageJson.scripts.start).toBe('node dist/src/main.js');
    expect(args(runtime, 'CMD').at(-1)).toBe('["node", "dist/src/main.js"]');
    expect(args(runtime, 'EXPOSE')).toEqual([
      String((ConfigSchema.properties.PORT as unknown as { default: number }).default),
    ]);
    const healthcheck = args(runtime, 'HEALTHCHECK').join(' ');
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toMatch(/--interval=\S+ --timeout=\S+/);
  });

  it('puts the clickstream CLI (migrate, loadgen) on PATH for one-shot jobs', () => {
    expect(packageJson.bin.clickstream).toBe('dist/src/cli/clickstream.js');
    expect(args(runtime, 'RUN').join(' ')).toContain(
      'ln -s /app/dist/src/cli/clickstream.js /usr/local/bin/clickstream',
    );
  });

  it('keeps local state, secrets and build output out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['.git', 'node_modules', 'dist', 'data', '.cache', '.env'])
      expect(ignored, entry).toContain(entry);
  });
});
