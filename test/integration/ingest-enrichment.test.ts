import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startClickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { decodeEvent } from '../../src/domain/event-codec.js';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import { SqliteLog } from '../../src/event-log/sqlite/sqlite-log.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually } from '../support/events.js';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Sends events through POST /track of the real app (ingest role, embedded log), then reads them back from the log. */
async function trackThenRead(
  env: Record<string, string>,
  requests: Array<{ body: object; headers?: Record<string, string> }>,
): Promise<Map<string, TrackedEvent>> {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-enrich-'));
  dirs.push(dir);
  const server = await startClickstream(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      ROLES: 'ingest',
      ...env,
    }),
    createLogger('silent'),
  );
  try {
    for (const { body, headers } of requests) {
      const answer = await server.app.inject({
        method: 'POST',
        url: '/track',
        payload: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers },
      });
      expect(answer.statusCode, answer.body).toBe(202);
    }
  } finally {
    await server.stop();
  }
  const log = new SqliteLog({
    path: join(dir, 'event-log.db'),
    partitions: 4,
    maxPendingBytes: 1 << 20,
    retentionMs: 0,
    logger: pino({ level: 'silent' }),
  });
  const events = new Map<string, TrackedEvent>();
  const consumer = await log.consume({
    groupId: 'enrichment-test',
    resumeFrom: () => Promise.resolve(null),
    handle: async (batch) => {
      for (const record of batch.records) {
        const decoded = decodeEvent(record.value);
        if (!decoded.ok) throw new Error(decoded.reason);
        events.set(decoded.event.event_id, decoded.event);
      }
    },
  });
  await eventually(
    async () => events.size,
    (n) => n === requests.length,
  );
  await consumer.close();
  await log.close();
  return events;
}

describe(
  'events in the log carry the enrichment the general query reads',
  { timeout: 60_000 },
  () => {
    it('fills UTM content and term, browser and OS versions, and the place of the client address', async () => {
      const events = await trackThenRead({ TRUSTED_PROXIES: '127.0.0.1' }, [
        {
          body: {
            event_id: 'enrich-xff-1',
            user_id: 'u1',
            page_url: 'https://shop.example/p?utm_source=ads&utm_content=hero&utm_term=red%20shoes',
            event_type: 'page_view',
          },
          headers: { 'user-agent': CHROME, 'x-forwarded-for': '8.8.8.8' },
        },
        {
          body: {
            event_id: 'enrich-body-1',
            user_id: 'u2',
            page_url: '/home',
            event_type: 'page_view',
            user_agent: IPHONE,
            ip_address: '81.2.69.142',
          },
        },
        {
          body: {
            event_id: 'enrich-ipv6-1',
            user_id: 'u3',
            page_url: '/home',
            event_type: 'click',
            user_agent: CHROME,
            ip_address: '2001:41d0::1',
          },
        },
        {
          body: {
            event_id: 'enrich-private',
            user_id: 'u4',
            page_url: '/home',
            event_type: 'page_view',
            user_agent: CHROME,
            ip_address: '192.168.1.20',
          },
        },
      ]);
      expect(events.get('enrich-xff-1')).toMatchObject({
        utm_source: 'ads',
        utm_content: 'hero',
        utm_term: 'red shoes',
        browser: 'Chrome',
        browser_version: '124',
        os: 'Windows',
        os_version: '10',
        country: 'US',
        region: 'California',
        city: 'Mountain View',
        ip_prefix: '8.8.8.0',
      });
      expect(events.get('enrich-body-1')).toMatchObject({
        browser: 'Mobile Safari',
        browser_version: '17',
        os: 'iOS',
        os_version: '17.4',
        country: 'GB',
        region: 'England',
        ip_prefix: '81.2.69.0',
      });
      expect(events.get('enrich-ipv6-1')).toMatchObject({
        country: 'FR',
        ip_prefix: '2001:41d0:0::',
      });
      expect(events.get('enrich-private')).toMatchObject({
        country: null,
        region: null,
        city: null,
        ip_prefix: '192.168.1.0',
      });
      // The full address served the lookup and is gone.
      const stored = JSON.stringify([...events.values()]);
      for (const ip of ['8.8.8.8', '81.2.69.142', '2001:41d0::1', '192.168.1.20'])
        expect(stored).not.toContain(ip);
    });

    it('leaves the place empty with GEOIP_ENABLED=false', async () => {
      const events = await trackThenRead({ GEOIP_ENABLED: 'false' }, [
        {
          body: {
            event_id: 'enrich-off-1',
            user_id: 'u1',
            page_url: '/home',
            event_type: 'page_view',
            user_agent: CHROME,
            ip_address: '8.8.8.8',
          },
        },
      ]);
      expect(events.get('enrich-off-1')).toMatchObject({
        country: null,
        region: null,
        city: null,
        browser_version: '124',
        ip_prefix: '8.8.8.0',
      });
    });

    it('refuses to start when a configured database cannot be read, naming the setting', async () => {
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'clickstream-enrich-')),
        LOG_LEVEL: 'silent',
        ROLES: 'ingest',
        GEOIP_IPV4_DATABASE: '/nonexistent/city.mmdb',
      });
      dirs.push(config.DATA_DIR);
      await expect(startClickstream(config, createLogger('silent'))).rejects.toThrow(
        /GEOIP_IPV4_DATABASE/,
      );
    });
  },
);
