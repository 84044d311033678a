import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueryClient, retryAfterMs } from '../../src/cli/verify/query-client.js';

describe('verify-ledger query client', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.close();
    if (server) await once(server, 'close');
  });

  /** A loopback server answering the given statuses in turn, then 200 {"ok":true}. */
  async function serve(statuses: number[]): Promise<{ url: URL; requests: () => number }> {
    let requests = 0;
    server = createServer((_request, response) => {
      const status = statuses[requests++] ?? 200;
      response.writeHead(status, {
        'content-type': 'application/json',
        ...(status === 503 ? { 'retry-after': '0.1' } : {}),
      });
      response.end(JSON.stringify(status === 200 ? { ok: true } : { code: 'STORE_UNAVAILABLE' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      requests: () => requests,
    };
  }

  it('asks again after a 503 or 429 (a store briefly unavailable) and returns the answer', async () => {
    const { url, requests } = await serve([503, 429, 503]);
    const client = createQueryClient(url, 1, 5_000);
    try {
      expect(await client.get('/analytics/page-views/home')).toEqual({ ok: true });
      expect(requests()).toBe(4);
    } finally {
      await client.close();
    }
  });

  it('fails at once on other errors, naming the path and the status', async () => {
    const { url, requests } = await serve([400]);
    const client = createQueryClient(url, 1, 5_000);
    try {
      await expect(client.get('/analytics/events')).rejects.toThrow(
        'GET /analytics/events answered 400',
      );
      expect(requests()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('reads Retry-After in seconds, bounded, with 1 s when absent or unreadable', () => {
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs('600')).toBe(10_000);
    expect(retryAfterMs('0')).toBe(100);
    expect(retryAfterMs(undefined)).toBe(1_000);
    expect(retryAfterMs('soon')).toBe(1_000);
  });
});
