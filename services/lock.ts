import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ServicesError } from './types.js';
import { sleep } from './wait.js';

/**
 * A lock file so that two callers (two terminals, or parallel test workers calling
 * ensureServices) do not start the same nodes twice. A lock whose owner died is taken over.
 */
export async function withLock<T>(
  file: string,
  timeoutMs: number,
  body: () => Promise<T>,
): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(file)) {
    if (Date.now() > deadline) {
      throw new ServicesError(
        `another services command holds ${file} (pid ${readOwner(file) ?? '?'})`,
      );
    }
    await sleep(500);
  }
  try {
    return await body();
  } finally {
    rmSync(file, { force: true });
  }
}

function tryAcquire(file: string): boolean {
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch {
    const owner = readOwner(file);
    if (owner !== undefined && isAlive(owner)) return false;
    rmSync(file, { force: true });
    return false;
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
