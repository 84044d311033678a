import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDataDir, type ServerProcess } from '../support/server-process.js';

/**
 * An outside fuzzer against our own OpenAPI document: schemathesis (PyPI, in a venv cached under
 * .cache/) generates requests for every documented operation, valid and invalid, and fails on any
 * 5xx or any answer that breaks the documented response schema or content type. Bounded by
 * --max-examples so the run takes well under a minute once the venv exists.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = '4.32.5';
const VENV = join(ROOT, '.cache', `schemathesis-${VERSION}`);
const BIN = join(VENV, 'bin', 'schemathesis');

function ensureSchemathesis(): void {
  if (existsSync(BIN)) return;
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000 });
    if (result.status !== 0)
      throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  };
  rmSync(VENV, { recursive: true, force: true });
  run('python3', ['-m', 'venv', VENV]);
  run(join(VENV, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${VERSION}`]);
}

let server: ServerProcess;
let dataDir: string;
beforeAll(async () => {
  ensureSchemathesis();
  dataDir = tempDataDir();
  // Loopback and no API keys: the whole query side answers, as the fuzzer must reach it.
  server = await startServer({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });
}, 400_000);
afterAll(async () => {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('schemathesis against /docs/json', () => {
  it('finds no 5xx and no answer outside the documented schemas', () => {
    const result = spawnSync(
      BIN,
      [
        'run',
        `${server.url}/docs/json`,
        '--checks',
        'not_a_server_error,response_schema_conformance,content_type_conformance',
        // One worker: hypothesis parses lambdas' source with ast from several threads, which CPython
        // 3.11 can fail with "AST constructor recursion depth mismatch" (a fuzzer error, not ours).
        '--max-examples',
        '15',
        '--workers',
        '1',
        '--seed',
        '1',
        '--request-timeout',
        '10',
      ],
      { cwd: dataDir, encoding: 'utf8', timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).toMatch(/generated/);
    const serverErrors = server.logs.filter((line) => /"level":(50|60)/.test(line));
    expect(serverErrors, serverErrors.join('\n')).toEqual([]);
  }, 300_000);
});
