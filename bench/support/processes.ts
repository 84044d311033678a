import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '../..');
/** BENCH_DIST=/path/to/another/dist compares a second build (e.g. before a change) with the same suites. */
const DIST = process.env.BENCH_DIST ?? join(ROOT, 'dist');
const MAIN = join(DIST, 'src/main.js');
const CLI = join(DIST, 'src/cli/clickstream.js');

export interface Child {
  url: string;
  pid: number;
  /** Peak resident set size so far (Linux VmHWM), in MB; null where /proc is missing. */
  peakRssMb(): number | null;
  stop(): Promise<void>;
}

/** The build is what users run; tsx would add its transpile hooks to every measurement. */
export function assertBuilt(): void {
  if (!existsSync(MAIN) || !existsSync(CLI))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Starts Clickstream (node dist/src/main.js, or the same file of another build given by `dist`)
 * on a free loopback port; resolves once it listens.
 */
export function startClickstream(
  env: Record<string, string>,
  nodeArgs: string[] = [],
  dist?: string,
): Promise<Child> {
  const main = dist ? join(resolve(ROOT, dist), 'src/main.js') : MAIN;
  return startChild(
    process.execPath,
    [...nodeArgs, main],
    { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    (line) => {
      const match = /"msg":"clickstream started"/.test(line) ? /"url":"([^"]+)"/.exec(line) : null;
      return match?.[1] ?? null;
    },
  );
}

/** The baseline: a bare node:http server parsing the same JSON (bench/support/bare-server.ts). */
export function startBareServer(): Promise<Child> {
  return startChild(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/support/bare-server.ts')],
    {},
    (line) => /^listening (\S+)/.exec(line)?.[1] ?? null,
  );
}

async function startChild(
  command: string,
  args: string[],
  env: Record<string, string>,
  findUrl: (line: string) => string | null,
): Promise<Child> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = once(child, 'exit');
  createInterface({ input: child.stderr }).on('line', (line) => logs.push(line));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.at(-1)} did not start in 60 s:\n${logs.join('\n')}`));
    }, 60_000);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${args.at(-1)} exited before listening:\n${logs.join('\n')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (logs.length < 200) logs.push(line);
      const found = findUrl(line);
      if (found) {
        clearTimeout(timer);
        resolveUrl(found);
      }
    });
  });
  return {
    url,
    pid: child.pid!,
    peakRssMb: () => peakRss(child),
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

function peakRss(child: ChildProcess): number | null {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

export interface LoadResult {
  eventsPerSecond: number;
  accepted: number;
  rejected: number;
  errors: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/** Runs `clickstream loadgen` as its own process (the load must not share a core with the server's event loop). */
export async function runLoad(args: string[]): Promise<LoadResult> {
  const child = spawn(process.execPath, [CLI, 'loadgen', ...args, '--json', '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const line = out.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{'))
    throw new Error(`loadgen exited ${code} without a report: ${err || out}`);
  return JSON.parse(line) as LoadResult;
}

/** `clickstream migrate` with the given environment (creates a Cassandra keyspace and its tables). */
export async function runMigrate(env: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`clickstream migrate exited ${code}: ${output.trim()}`);
}

/** Starts a loadgen in the background (steady load); stop() ends it and waits. */
export function backgroundLoad(args: string[]): { stop(): Promise<void> } {
  const child = spawn(process.execPath, [CLI, 'loadgen', ...args, '--quiet', '--json'], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
