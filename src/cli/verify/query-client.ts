import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

/** A 503 or 429 (a store briefly unavailable, a rate limit) is asked again this many times. */
const RETRIES = 8;

export interface QueryClient {
  /**
   * GETs a JSON answer; anything but 200 is an error naming the path and the status. 503 and 429
   * say "retry shortly": those are retried after their Retry-After (1 s when absent, 10 s at most).
   */
  get(path: string): Promise<unknown>;
  close(): Promise<void>;
}

export function createQueryClient(base: URL, connections: number, timeoutMs: number): QueryClient {
  const pool = new Pool(base.origin, {
    connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    async get(path) {
      for (let attempt = 0; ; attempt++) {
        const response = await pool.request({ path: prefix + path, method: 'GET' });
        const text = await response.body.text();
        if (response.statusCode === 200) return JSON.parse(text) as unknown;
        const transient = response.statusCode === 503 || response.statusCode === 429;
        if (!transient || attempt >= RETRIES)
          throw new Error(`GET ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
        await sleep(retryAfterMs(response.headers['retry-after']));
      }
    },
    close: () => pool.close(),
  };
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Retry-After in seconds (the form our server sends), bounded to 0.1–10 s; 1 s when absent. */
export function retryAfterMs(header: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && header !== undefined
    ? Math.min(10_000, Math.max(100, seconds * 1000))
    : 1_000;
}
