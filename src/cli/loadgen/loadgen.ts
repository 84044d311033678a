import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../flags.js';
import { createIngestClient, type Answer, type IngestClient } from './client.js';
import { openLedger } from './ledger.js';
import type { LoadgenOptions } from './options.js';
import { isRetryable, settle } from './outcome.js';
import { startProgress, type ProgressTarget } from './progress.js';
import { RunStats } from './stats.js';
import { buildReport, type LoadgenReport } from './summary.js';
import { createTraffic } from './traffic.js';

export interface LoadgenIo {
  progress: ProgressTarget;
  tty: boolean;
  /** Aborting stops taking new requests; those in flight finish and the summary is still made. */
  signal?: AbortSignal;
}

/** Hands out requests: how many events each carries and when it may be sent (for --rate). */
function createScheduler(options: LoadgenOptions, startedAt: number) {
  let scheduled = 0;
  const deadline = options.durationMs === null ? Infinity : startedAt + options.durationMs;
  return {
    deadline,
    take(): { size: number; dueAt: number } | null {
      const left = options.count === null ? options.batchSize : options.count - scheduled;
      if (left <= 0) return null;
      const size = Math.min(options.batchSize, left);
      const dueAt = options.rate === null ? 0 : startedAt + (scheduled / options.rate) * 1000;
      if (dueAt >= deadline) return null;
      scheduled += size;
      return { size, dueAt };
    },
  };
}

/** Runs a load: `concurrency` workers each send one request at a time until the goal is met. */
export async function runLoadgen(options: LoadgenOptions, io: LoadgenIo): Promise<LoadgenReport> {
  const ledger =
    options.ledger === null
      ? null
      : await openLedger(options.ledger).catch((error: unknown) => {
          throw new UsageError(`--ledger cannot be written: ${(error as Error).message}`);
        });
  const startedAt = Date.now();
  const traffic = createTraffic({ ...options, now: startedAt });
  const stats = new RunStats(startedAt);
  const client = createIngestClient(options.url, options.concurrency, options.timeoutMs);
  const scheduler = createScheduler(options, startedAt);
  const path = options.batchSize === 1 ? '/track' : '/track/batch';
  const progress = options.quiet
    ? null
    : startProgress({
        out: io.progress,
        tty: io.tty,
        goal: options.count === null ? { ms: options.durationMs! } : { events: options.count },
        snapshot: () => stats.snapshot(Date.now()),
      });

  const worker = async (): Promise<void> => {
    for (
      let slot = scheduler.take();
      slot !== null && !io.signal?.aborted;
      slot = scheduler.take()
    ) {
      const wait = slot.dueAt - Date.now();
      if (wait > 0) await sleep(wait);
      if (Date.now() >= scheduler.deadline || io.signal?.aborted) break;
      const events = Array.from({ length: slot.size }, () => traffic.next());
      stats.sent += events.length;
      const body =
        options.batchSize === 1
          ? JSON.stringify(events[0]!.body)
          : JSON.stringify({ events: events.map((e) => e.body) });
      const answer = await sendWithRetries(client, path, body, options.retries, stats);
      settle(events, options.batchSize > 1, answer, stats, ledger);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    progress?.stop();
    await client.close();
    await ledger?.close();
  }
  return buildReport(options, stats.snapshot(Date.now()));
}

/**
 * Sends, and resends the same body (same event ids, so the server stores each event once) after
 * a failure or a 5xx: Retry-After when the server gives one (capped), else exponential back-off.
 */
async function sendWithRetries(
  client: IngestClient,
  path: string,
  body: string,
  retries: number,
  stats: RunStats,
): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const answer = await client.post(path, body);
    if (answer.kind === 'answer') stats.recordLatency(answer.latencyMs);
    if (!isRetryable(answer) || attempt >= retries) return answer;
    stats.retries++;
    const hinted = answer.kind === 'answer' ? answer.retryAfterMs : null;
    await sleep(Math.min(hinted ?? 50 * 2 ** attempt, 5_000));
  }
}
