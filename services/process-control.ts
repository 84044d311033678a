import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { sleep } from './wait.js';

/**
 * Starts a long-running process that outlives us: its own process group, stdout and stderr
 * in a file (fresh per start, so it shows this run's JVM errors), nothing tying our event loop to it.
 */
export function spawnDetached(
  cmd: string,
  args: readonly string[],
  cwd: string,
  stdoutFile: string,
): number {
  const fd = openSync(stdoutFile, 'w');
  try {
    const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function writePid(file: string, pid: number): void {
  writeFileSync(file, `${pid}\n`);
}

export function removePid(file: string): void {
  rmSync(file, { force: true });
}

/**
 * The pid is alive and its command line mentions `marker` (the node's directory), so a pid
 * recycled by an unrelated process after a reboot is not mistaken for our node.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: exists but is not ours to signal, so it is not our node either.
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return true;
  try {
    return readFileSync(cmdline, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

/** SIGTERM (the JVMs run their shutdown hooks: Kafka's controlled shutdown, Cassandra's drain). */
export async function stopProcess(
  pid: number,
  marker: string,
  graceMs: number,
): Promise<StopOutcome> {
  if (!isOurProcess(pid, marker)) return 'not-running';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, marker)) return 'stopped';
    await sleep(250);
  }
  process.kill(pid, 'SIGKILL');
  while (isOurProcess(pid, marker)) await sleep(100);
  return 'killed';
}

/** Resident memory of a process in MiB (Linux /proc), undefined where unavailable. */
export function residentMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match?.[1] === undefined ? undefined : Math.round(Number(match[1]) / 1024);
  } catch {
    return undefined;
  }
}
