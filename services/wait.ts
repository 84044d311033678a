import { connect } from 'node:net';
import { ServicesError } from './types.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}

/** True when something accepts a TCP connection on host:port within the timeout. */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface PollOptions {
  readonly what: string;
  readonly deadline: number;
  readonly intervalMs?: number;
}

/**
 * Calls `attempt` until it returns true or the deadline passes. An attempt that throws a
 * ServicesError aborts at once (e.g. the process died); other errors count as "not yet".
 */
export async function pollUntil(opts: PollOptions, attempt: () => Promise<boolean>): Promise<void> {
  let lastError: unknown;
  for (;;) {
    try {
      if (await attempt()) return;
    } catch (error) {
      if (error instanceof ServicesError) throw error;
      lastError = error;
    }
    if (Date.now() >= opts.deadline) break;
    await sleep(opts.intervalMs ?? 500);
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new ServicesError(`timed out waiting for ${opts.what}${reason}`);
}
