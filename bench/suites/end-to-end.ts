import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { markdownTable, num } from '../support/markdown.js';
import {
  runLoad,
  startBareServer,
  startClickstream,
  tempDir,
  type LoadResult,
} from '../support/processes.js';
import { cpuSeconds, type SuiteContext, type SuiteReport } from '../support/results.js';

interface Run {
  build: string;
  accepted: number;
  ackSeconds: number;
  countedSeconds: number;
  eventsPerSecond: number;
  serverCpuSeconds: number | null;
}

const SITES = 3;

/**
 * Ingest end to end on the embedded default, every role in one process: batches of 100 sent as
 * fast as the server takes them, timed until every acknowledged event is counted by the query
 * API — the rate a user sees, not the rate of 202s. The bare node:http server takes the same
 * load in the same run (the ratio is what compares across machines). With BENCH_BASELINE_DIST
 * (a build of an earlier commit: bench/baseline.sh) the earlier build runs the same load too.
 */
export async function endToEndSuite(context: SuiteContext): Promise<SuiteReport> {
  const events = context.quick ? 30_000 : 200_000;
  const args = (url: string) => [
    '--url',
    url,
    '--count',
    String(events),
    '--batch-size',
    '100',
    '--concurrency',
    '4',
    '--sites',
    String(SITES),
    '--site-prefix',
    'e2e-',
    '--seed',
    '11',
    '--retries',
    '0',
    '--bots',
    '0.1',
    '--window',
    '1h',
  ];
  const bareServer = await startBareServer();
  let bare: LoadResult;
  try {
    bare = await runLoad(args(bareServer.url));
  } finally {
    await bareServer.stop();
  }
  const builds: Array<[string, string | undefined]> = [['this build', undefined]];
  const baseline = process.env.BENCH_BASELINE_DIST;
  if (baseline && existsSync(join(baseline, 'src/main.js')))
    builds.unshift([`baseline (${process.env.BENCH_BASELINE_NAME ?? baseline})`, baseline]);
  const runs: Run[] = [];
  for (const [name, dist] of builds) runs.push(await timeRun(name, dist, args, events));
  const table = markdownTable(
    [
      'build',
      'events',
      'node:http ev/s',
      'acknowledged in s',
      'all counted in s',
      'end-to-end ev/s',
      'ratio to node:http',
      'server CPU µs/event',
    ],
    runs.map((r) => [
      r.build,
      num(r.accepted),
      num(bare.eventsPerSecond),
      r.ackSeconds.toFixed(1),
      r.countedSeconds.toFixed(1),
      num(r.eventsPerSecond),
      `${((100 * r.eventsPerSecond) / bare.eventsPerSecond).toFixed(1)} %`,
      r.serverCpuSeconds === null ? '–' : num((r.serverCpuSeconds * 1e6) / r.accepted),
    ]),
  );
  return {
    suite: 'end-to-end',
    title:
      'Ingest end to end, embedded (every role in one process, until every acknowledged event is counted)',
    notes: [
      `${num(events)} events in batches of 100, 4 connections, loadgen in its own process; "end-to-end ev/s" = acknowledged events ÷ seconds from the first request until the query API counts them all.`,
    ],
    table,
    data: { bare, runs },
  };
}

async function timeRun(
  build: string,
  dist: string | undefined,
  args: (url: string) => string[],
  events: number,
): Promise<Run> {
  const dir = tempDir('clickstream-e2e-bench-');
  const server = await startClickstream(
    { DATA_DIR: dir.path, LIVE_VIEW: 'false', INGEST_RATE_LIMIT_PER_MINUTE: '0' },
    [],
    dist,
  );
  try {
    const cpuBefore = cpuSeconds(server.pid);
    const started = performance.now();
    const load = await runLoad(args(server.url));
    const ackSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 15 * 60_000;
    while ((await countedEvents(server.url)) < load.accepted) {
      if (Date.now() > deadline)
        throw new Error(`${build}: not all ${load.accepted} events counted within 15 minutes`);
      await sleep(100);
    }
    const countedSeconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuSeconds(server.pid);
    if (load.accepted < events * 0.99)
      throw new Error(`${build}: only ${load.accepted} of ${events} events acknowledged`);
    return {
      build,
      accepted: load.accepted,
      ackSeconds,
      countedSeconds,
      eventsPerSecond: load.accepted / countedSeconds,
      serverCpuSeconds: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    };
  } finally {
    await server.stop();
    dir.remove();
  }
}

/** Events of every site and type, bots included, over the last two days (both builds answer this route). */
async function countedEvents(url: string): Promise<number> {
  let total = 0;
  const from = Date.now() - 2 * 86_400_000;
  for (let site = 1; site <= SITES; site++) {
    const response = await fetch(
      `${url}/analytics/events?site_id=e2e-${site}&include_bots=true&limit=1000&from=${from}`,
    );
    if (!response.ok) return 0;
    const body = (await response.json()) as { event_types: Array<{ events: number }> };
    total += body.event_types.reduce((n, t) => n + t.events, 0);
  }
  return total;
}
