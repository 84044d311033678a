import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startGateway, type Gateway } from './support/nginx-gateway.js';

/**
 * The compose gateway (deploy/compose/gateway.conf) in a real nginx, on a port that is not 80, in
 * front of a real query role and of an ingest stand-in that echoes the headers it receives.
 */
let dir: string;
let gateway: Gateway;
let query: Clickstream;
let echo: Server;
const API_KEY = 'gateway-key-0123456789abcdef';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clickstream-gateway-'));
  query = await startClickstream(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      ROLES: 'query',
      API_KEYS: API_KEY,
    }),
    createLogger('silent'),
  );
  echo = createServer((request, response) =>
    response.setHeader('content-type', 'application/json').end(JSON.stringify(request.headers)),
  );
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const echoAddress = echo.address() as { port: number };
  gateway = await startGateway(join(dir, 'nginx'), {
    ingest: `127.0.0.1:${echoAddress.port}`,
    query: new URL(query.url).host,
  });
});
afterAll(async () => {
  await gateway?.stop();
  await query?.stop();
  echo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The outcome of a WebSocket handshake to /graphql through the gateway, as a browser on `origin` makes it. */
function handshake(origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${gateway.port}/graphql`, 'graphql-transport-ws', {
      origin,
    });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_request, response) => {
      socket.terminate();
      resolve(response.statusCode ?? 0);
    });
    socket.on('error', reject);
  });
}

describe('the compose gateway (nginx) keeps what the app behind it checks', () => {
  it(`passes the Host with its port, so the dashboard's live WebSocket is same-origin on a port other than 80`, async () => {
    expect(await handshake(`http://127.0.0.1:${gateway.port}`), gateway.logs()).toBe(101);
  });

  it('still refuses a cross-origin WebSocket through the gateway (403)', async () => {
    expect(await handshake('http://evil.example')).toBe(403);
    expect(await handshake(`http://127.0.0.1:${gateway.port + 1}`)).toBe(403);
  });

  it('tells ingest who the client is, and lets no client choose it (X-Forwarded-For is set, not appended)', async () => {
    const answer = await fetch(`${gateway.url}/track`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-forwarded-for': '198.51.100.66', 'content-type': 'application/json' },
    });
    const seen = (await answer.json()) as IncomingHttpHeaders;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.host).toBe(`127.0.0.1:${gateway.port}`);
  });

  it('sends the query API to the query role, which asks for its key', async () => {
    expect((await fetch(`${gateway.url}/analytics/top-pages`)).status).toBe(401);
    expect(
      (
        await fetch(`${gateway.url}/analytics/top-pages`, {
          headers: { authorization: `Bearer ${API_KEY}` },
        })
      ).status,
    ).toBe(200);
  });
});
