import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { eventually } from '../support/events.js';
import {
  postJson,
  startServer,
  tempDataDir,
  type ServerProcess,
} from '../support/server-process.js';

/**
 * The real program with every secret set: raw IPs never reach the data files, erasure removes a
 * visitor's events from the store files, and no secret appears in anything the process logs.
 */

const SECRETS = {
  API_KEYS: 'query-secret-key-5b8f1c2d9e7a',
  METRICS_API_KEY: 'metrics-secret-key-3c6e0a9b1f4d',
  CASSANDRA_PASSWORD: 'cassandra-secret-pw-7d2a9f',
  VISITOR_SALT_SECRET: 'visitor-salt-secret-8e4b1c7a0d',
};
const IPS = ['203.0.113.77', '198.51.100.201', '2001:db8:85a3:1:2:8a2e:370:7334'];
const KEY = { authorization: `Bearer ${SECRETS.API_KEYS}` };
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

let server: ServerProcess;
let dataDir: string;
beforeAll(async () => {
  dataDir = tempDataDir();
  server = await startServer({
    DATA_DIR: dataDir,
    TRUSTED_PROXIES: '127.0.0.1',
    LOG_LEVEL: 'debug',
    ...SECRETS,
  });
}, 60_000);
afterAll(async () => {
  if (server.child.exitCode === null) await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const eventsOf = async (user: string) => {
  const response = await fetch(`${server.url}/analytics/users/${user}/events`, { headers: KEY });
  return ((await response.json()) as { events: unknown[] }).events;
};

describe('privacy and secrets (real process)', { timeout: 60_000 }, () => {
  it('stores no raw IP, erases a visitor on request, and logs no secret', async () => {
    const base = { event_type: 'page_view', page_url: '/priv', user_agent: CHROME };
    expect(
      (
        await postJson(`${server.url}/track`, {
          ...base,
          user_id: 'ip-in-body',
          ip_address: IPS[0],
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await postJson(
          `${server.url}/track`,
          { ...base, user_id: 'ip-forwarded' },
          { 'x-forwarded-for': IPS[1]! },
        )
      ).status,
    ).toBe(202);
    expect(
      (
        await postJson(
          `${server.url}/track/batch`,
          {
            events: [
              { ...base, user_id: 'ip-v6', ip_address: IPS[2] },
              { ...base, user_id: 'erase-me' },
            ],
          },
          KEY,
        )
      ).status,
    ).toBe(202);
    // Requests carrying keys, right and wrong, and failing ones: none may leave a secret in the log.
    // The four visitors' events sit in different log partitions: wait until each one is stored.
    await eventually(
      () => Promise.all(['ip-in-body', 'ip-forwarded', 'ip-v6', 'erase-me'].map(eventsOf)),
      (lists) => lists.every((events) => events.length === 1),
    );
    expect(
      (
        await fetch(`${server.url}/analytics/top-pages`, {
          headers: { authorization: 'Bearer wrong-but-secretish-key-000' },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await fetch(`${server.url}/metrics`, {
          headers: { authorization: `Bearer ${SECRETS.METRICS_API_KEY}` },
        })
      ).status,
    ).toBe(200);
    expect(
      (await fetch(`${server.url}/analytics/top-pages?from=nonsense`, { headers: KEY })).status,
    ).toBe(400);
    expect((await postJson(`${server.url}/track`, '{"broken', KEY)).status).toBe(400);

    const erased = await fetch(`${server.url}/analytics/users/erase-me`, {
      method: 'DELETE',
      headers: KEY,
    });
    expect(await erased.json()).toMatchObject({ user_id: 'erase-me', erased_events: 1 });
    expect(await eventsOf('erase-me')).toEqual([]);
    expect(await eventsOf('ip-forwarded')).toHaveLength(1);

    expect(await server.stop()).toBe(0);
    const files = readdirSync(dataDir).filter((name) =>
      /\.(db|duckdb)(-wal|-shm|\.wal)?$/.test(name),
    );
    expect(files).toContain('store.duckdb');
    for (const name of files) {
      const bytes = readFileSync(join(dataDir, name)).toString('latin1');
      for (const ip of IPS) expect(bytes.includes(ip), `${ip} in ${name}`).toBe(false);
    }
    // The event log keeps records until LOG_RETENTION_HOURS (docs/security.md); the store must not.
    for (const name of files.filter((n) => n.startsWith('store.'))) {
      expect(
        readFileSync(join(dataDir, name)).toString('latin1').includes('erase-me'),
        `erased visitor in ${name}`,
      ).toBe(false);
    }

    const logs = server.logs.join('\n');
    expect(logs).toContain('clickstream started');
    for (const [name, secret] of Object.entries(SECRETS))
      expect(logs.includes(secret), `${name} in the logs`).toBe(false);
    expect(logs.includes('wrong-but-secretish-key-000')).toBe(false);
  });

  it('never echoes a secret setting in a configuration error', () => {
    const attempt = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return error instanceof ConfigError ? error.message : String(error);
      }
      return 'accepted';
    };
    const message = attempt({ API_KEYS: 'short-secret' });
    expect(message).toMatch(/^API_KEYS is invalid/);
    expect(message).not.toContain('short-secret');
    expect(attempt({ VISITOR_SALT_SECRET: 'short-salt' })).not.toContain('short-salt');
    expect(attempt({ METRICS_API_KEY: 'bad key with spaces 123' })).not.toContain(
      'bad key with spaces',
    );
  });
});
