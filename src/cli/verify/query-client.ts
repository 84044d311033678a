import { Pool } from 'undici';

export interface QueryClient {
  /** GETs a JSON answer; anything but 200 is an error naming the path and the status. */
  get(path: string): Promise<unknown>;
  close(): Promise<void>;
}

export function createQueryClient(base: URL, connections: number, timeoutMs: number): QueryClient {
  const pool = new Pool(base.origin, { connections, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    async get(path) {
      const response = await pool.request({ path: prefix + path, method: 'GET' });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`GET ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as unknown;
    },
    close: () => pool.close(),
  };
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
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
