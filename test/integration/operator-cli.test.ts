import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheckpoints } from '../../src/cli/checkpoints.js';
import type { CommandIo } from '../../src/cli/command.js';
import { runDlq } from '../../src/cli/dlq.js';
import { startClickstream, type Clickstream } from '../../src/compose/clickstream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { encodeEvent, logKey } from '../../src/domain/event-codec.js';
import { SqliteLog } from '../../src/event-log/sqlite/sqlite-log.js';
import { createLogger } from '../../src/observability/logger.js';
import { eventually, makeEvent } from '../support/events.js';

/**
 * The operator's tools on the embedded stack, end to end: parked records listed and replayed into
 * the pipeline (clickstream dlq), and a wiped event log, whose partitions the processor stops rather
 * than skip the new records, repaired with clickstream checkpoints reset.
 */
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const dirs: string[] = [];
const running: Clickstream[] = [];
afterAll(async () => {
  for (const c of running) await c.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-operator-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string): Promise<Clickstream> {
  const clickstream = await startClickstream(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
      LIVE_VIEW: 'false',
    }),
    createLogger('silent'),
  );
  running.push(clickstream);
  return clickstream;
}

async function stop(clickstream: Clickstream): Promise<void> {
  await clickstream.stop();
  running.splice(running.indexOf(clickstream), 1);
}

async function cli(run: typeof runDlq, argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stderrIsTty: false,
    signal: new AbortController().signal,
  };
  const code = await run(argv, io, env);
  return { code, stdout, stderr };
}

const pageViews = async (app: Clickstream, page: string, site: string) =>
  (
    await app.app.inject({ method: 'GET', url: `/analytics/page-views${page}?site_id=${site}` })
  ).json<{ page_views: number }>().page_views;
const track = (app: Clickstream, site: string, page: string, user: string) =>
  app.app.inject({
    method: 'POST',
    url: '/track',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      site_id: site,
      page_url: page,
      event_type: 'page_view',
      user_id: user,
      user_agent: CHROME,
    }),
  });

describe('clickstream dlq', () => {
  it('lists a parked record with its reason, and a replay puts it through the pipeline once', async () => {
    const dir = dataDir();
    const app = await start(dir);
    // A valid event that an earlier build parked (the bug since fixed), written by another process.
    const writer = new SqliteLog({
      path: join(dir, 'event-log.db'),
      partitions: 4,
      maxPendingBytes: 1 << 20,
      retentionMs: 0,
      logger: pino({ level: 'silent' }),
    });
    const event = makeEvent({ site_id: 'dlq-site', page: '/parked', is_bot: false });
    await writer.deadLetter(
      {
        partition: 2,
        offset: 41,
        key: logKey(event),
        value: encodeEvent(event),
        timestamp: Date.now(),
      },
      'decoder bug 123',
    );
    await writer.close();
    const env = { DATA_DIR: dir };

    const listed = await cli(runDlq, ['list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/partition 2 offset 41 {2}decoder bug 123/);
    const json = await cli(runDlq, ['list', '--json'], env);
    expect(JSON.parse(json.stdout.trim())).toMatchObject({
      partition: 2,
      offset: 41,
      reason: 'decoder bug 123',
      key: logKey(event),
    });
    expect(await pageViews(app, '/parked', 'dlq-site')).toBe(0);

    expect((await cli(runDlq, ['replay'], env)).stdout).toBe(
      'Replayed 1 dead-lettered record into the event log.\n',
    );
    await eventually(
      () => pageViews(app, '/parked', 'dlq-site'),
      (n) => n === 1,
    );
    expect((await cli(runDlq, ['list'], env)).stdout).toBe('No dead-lettered records waiting.\n');
    expect((await cli(runDlq, ['replay'], env)).stdout).toMatch(/^Replayed 0 /);
    expect(await pageViews(app, '/parked', 'dlq-site')).toBe(1);
  });
});

describe('a wiped event log', () => {
  it('stops the partitions whose checkpoint is past the new log, and checkpoints reset lets them go on', async () => {
    const dir = dataDir();
    const users = Array.from({ length: 24 }, (_, i) => `user-${i}`);
    let app = await start(dir);
    for (const user of users)
      expect((await track(app, 'wipe', '/before', user)).statusCode).toBe(202);
    await eventually(
      () => pageViews(app, '/before', 'wipe'),
      (n) => n === users.length,
    );
    await stop(app);

    // The log is lost (its file deleted), the store keeps its checkpoints: the new log starts at 0.
    for (const suffix of ['', '-wal', '-shm'])
      rmSync(join(dir, `event-log.db${suffix}`), { force: true });
    app = await start(dir);
    for (const user of users)
      expect((await track(app, 'wipe', '/after', user)).statusCode).toBe(202);
    const stopped = async () =>
      /clickstream_processor_partitions_stopped (\d+)/.exec(
        (await app.app.inject({ method: 'GET', url: '/metrics' })).body,
      )?.[1];
    expect(Number(await eventually(stopped, (n) => Number(n) > 0, 15_000))).toBeGreaterThan(0);
    // Nothing of the new log was counted by jumping ahead; the partitions wait.
    expect(await pageViews(app, '/after', 'wipe')).toBeLessThan(users.length);
    await stop(app);

    const env = { DATA_DIR: dir };
    const before = await cli(runCheckpoints, ['list'], env);
    expect(before.stdout).toMatch(/partition 0: \d+/);
    const reset = await cli(runCheckpoints, ['reset', '--partitions', 'all'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/partition 0: checkpoint \d+ → 0/);

    app = await start(dir);
    await eventually(
      () => pageViews(app, '/after', 'wipe'),
      (n) => n === users.length,
      15_000,
    );
    expect(await pageViews(app, '/before', 'wipe')).toBe(users.length);
    expect(await stopped()).toBe('0');
  });
});
