import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * Runs `services.ts <args>` with the given environment (its own services dir and host base).
 * services.ts reports on stdout, with the logs' tails when a node does not come up, so a
 * failure carries that report and not only the command line.
 */
export function servicesCli(env: NodeJS.ProcessEnv) {
  return (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'services/services.ts', ...args], {
      cwd: ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: unknown) => {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`services ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
    });
}
