import { setTimeout as sleep } from 'node:timers/promises';
import { markdownTable, ms, num } from '../support/markdown.js';
import {
  runLoad,
  startBareServer,
  startClickstream,
  tempDir,
  type Child,
  type LoadResult,
} from '../support/processes.js';
import { cpuSeconds, type SuiteContext, type SuiteReport } from '../support/results.js';

export interface IngestSetup {
  suite: string;
  title: string;
  /** Environment of the server under test (adapters, brokers…); DATA_DIR is added. */
  env: Record<string, string>;
  /** Environment of the --baseline build, when it must not share this build's topic or keyspace. */
  baselineEnv?: Record<string, string>;
}

interface Mode {
  /** What --modes names it. */
  key: string;
  name: string;
  batchSize: number;
  concurrency: number[];
  /** ROLES=ingest: no processor in the process, so the rows show what ingest alone costs. */
  ingestOnly?: boolean;
}

/** One build's run of a row: its load result and its server's CPU. */
interface Measured {
  result: LoadResult;
  /** Events per CPU-second of the server process: its rate on one fully used core. */
  eventsPerCoreSecond: number | null;
  serverCpuShare: number | null;
}

interface Row {
  mode: string;
  batchSize: number;
  concurrency: number;
  bare: LoadResult;
  clickstream: Measured;
  /** The --baseline build, measured right before this build in the same row. */
  baseline: Measured | null;
}

const EMBEDDED: IngestSetup = {
  suite: 'ingest',
  title: 'Ingest, embedded (SQLite log and store, durability on)',
  env: {},
};

function modes(quick: boolean): Mode[] {
  return quick
    ? [
        { key: 'single', name: 'single', batchSize: 1, concurrency: [32] },
        { key: 'batch', name: 'batch', batchSize: 100, concurrency: [4] },
      ]
    : [
        { key: 'single', name: 'single', batchSize: 1, concurrency: [1, 8, 32, 128] },
        { key: 'batch', name: 'batch', batchSize: 100, concurrency: [1, 4, 16] },
        {
          key: 'single-ingest',
          name: 'single, ingest role only',
          batchSize: 1,
          concurrency: [1, 32],
          ingestOnly: true,
        },
        {
          key: 'batch-ingest',
          name: 'batch, ingest role only',
          batchSize: 100,
          concurrency: [4, 16],
          ingestOnly: true,
        },
      ];
}

function loadArgs(
  url: string,
  mode: Mode,
  concurrency: number,
  seconds: number,
  seed: number,
): string[] {
  return [
    '--url',
    url,
    '--duration',
    `${seconds}s`,
    '--concurrency',
    String(concurrency),
    '--batch-size',
    String(mode.batchSize),
    '--seed',
    String(seed),
    '--retries',
    '0',
    '--bots',
    '0.1',
    '--sites',
    '3',
  ];
}

/**
 * Single-event POST /track and 100-event POST /track/batch at a few concurrency levels, against
 * the bare node:http baseline and Clickstream, each run right after the other so both see the
 * same machine load (and, with --baseline, another build between them). The load generator is its
 * own process (node dist/src/cli/clickstream.js).
 */
export async function ingestSuite(
  context: SuiteContext,
  setup: IngestSetup = EMBEDDED,
): Promise<SuiteReport> {
  const seconds = context.quick ? 2 : 10;
  const chosen = modes(context.quick).filter(
    (m) => !context.ingestModes || context.ingestModes.includes(m.key),
  );
  const bare = await startBareServer();
  const rows: Row[] = [];
  const rss: Record<string, number | null> = {};
  try {
    for (const mode of chosen) {
      const env = (base: Record<string, string>, path: string) => ({
        ...base,
        DATA_DIR: path,
        ...(mode.ingestOnly ? { ROLES: 'ingest' } : {}),
      });
      const data = tempDir('clickstream-bench-');
      const baselineData = tempDir('clickstream-bench-baseline-');
      const server = await startClickstream(env(setup.env, data.path));
      let baseline: Child | null = null;
      try {
        // Inside the try: a baseline that fails to start must not leave this build running
        // (its piped output kept the bench from ever exiting).
        if (context.baselineDist)
          baseline = await startClickstream(
            env(setup.baselineEnv ?? setup.env, baselineData.path),
            [],
            context.baselineDist,
          );
        await warmUp(mode, [bare, baseline, server]);
        for (const concurrency of mode.concurrency)
          rows.push(await measure(mode, concurrency, seconds, bare, server, baseline));
        rss[mode.name] = server.peakRssMb();
      } finally {
        await server.stop();
        await baseline?.stop();
        data.remove();
        baselineData.remove();
      }
    }
  } finally {
    await bare.stop();
  }
  return report(setup, rows, rss, seconds, context.baselineDist);
}

async function warmUp(mode: Mode, servers: Array<Child | null>): Promise<void> {
  // The first seconds run cold code (JIT, SQLite page cache, the geolocation database's first read).
  for (const server of servers) if (server) await runLoad(loadArgs(server.url, mode, 4, 2, 1));
}

async function measure(
  mode: Mode,
  concurrency: number,
  seconds: number,
  bare: Child,
  server: Child,
  baseline: Child | null,
): Promise<Row> {
  const seed = concurrency * 7919 + mode.batchSize;
  const bareResult = await runLoad(loadArgs(bare.url, mode, concurrency, seconds, seed));
  const before = baseline ? await measureServer(baseline, mode, concurrency, seconds, seed) : null;
  const clickstream = await measureServer(server, mode, concurrency, seconds, seed);
  return {
    mode: mode.name,
    batchSize: mode.batchSize,
    concurrency,
    bare: bareResult,
    clickstream,
    baseline: before,
  };
}

async function measureServer(
  server: Child,
  mode: Mode,
  concurrency: number,
  seconds: number,
  seed: number,
): Promise<Measured> {
  const cpuBefore = cpuSeconds(server.pid);
  const started = Date.now();
  const result = await runLoad(loadArgs(server.url, mode, concurrency, seconds, seed));
  const cpuAfter = cpuSeconds(server.pid);
  const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const wall = (Date.now() - started) / 1000;
  // With every role the processor may still be catching up; the two builds run side by side, so
  // the next measurement (the other build's) must not share the cores with this one's backlog.
  await settled(server.pid);
  return {
    result,
    eventsPerCoreSecond: cpu ? (result.eventsPerSecond * seconds) / cpu : null,
    serverCpuShare: cpu === null ? null : cpu / wall,
  };
}

/** Until the process uses less than a tenth of a core over a second (at most two minutes). */
async function settled(pid: number): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const before = cpuSeconds(pid);
    await sleep(1_000);
    const after = cpuSeconds(pid);
    if (before === null || after === null || after - before < 0.1) return;
  }
}

function report(
  setup: IngestSetup,
  rows: Row[],
  rss: Record<string, number | null>,
  seconds: number,
  baselineDist: string | undefined,
): SuiteReport {
  const errors = (r: LoadResult) => Object.values(r.errors).reduce((a, b) => a + b, 0);
  const ratio = (m: Measured, bare: LoadResult) =>
    `${num((100 * m.result.eventsPerSecond) / bare.eventsPerSecond)} %`;
  const cpuPerEvent = (m: Measured) =>
    m.eventsPerCoreSecond ? num(1e6 / m.eventsPerCoreSecond, 1) : '–';
  const withBaseline = rows.some((r) => r.baseline);
  const table = markdownTable(
    [
      'request',
      'conc.',
      'node:http ev/s',
      ...(withBaseline
        ? ['baseline ev/s', 'baseline ratio', 'baseline p50/p99 ms', 'baseline CPU µs/ev']
        : []),
      'Clickstream ev/s',
      'ratio',
      'p50 ms',
      'p99 ms',
      'node:http p50/p99 ms',
      'server CPU',
      'ev per CPU-s',
      'CPU µs/ev',
      'errors',
    ],
    rows.map((r) => [
      `${r.batchSize === 1 ? 'POST /track' : `POST /track/batch (${r.batchSize})`}${r.mode.includes('ingest role') ? ', ROLES=ingest' : ''}`,
      r.concurrency,
      num(r.bare.eventsPerSecond),
      ...(withBaseline && r.baseline
        ? [
            num(r.baseline.result.eventsPerSecond),
            ratio(r.baseline, r.bare),
            `${ms(r.baseline.result.latencyMs.p50)} / ${ms(r.baseline.result.latencyMs.p99)}`,
            cpuPerEvent(r.baseline),
          ]
        : withBaseline
          ? ['–', '–', '–', '–']
          : []),
      num(r.clickstream.result.eventsPerSecond),
      ratio(r.clickstream, r.bare),
      ms(r.clickstream.result.latencyMs.p50),
      ms(r.clickstream.result.latencyMs.p99),
      `${ms(r.bare.latencyMs.p50)} / ${ms(r.bare.latencyMs.p99)}`,
      r.clickstream.serverCpuShare === null ? '–' : `${num(100 * r.clickstream.serverCpuShare)} %`,
      r.clickstream.eventsPerCoreSecond === null ? '–' : num(r.clickstream.eventsPerCoreSecond),
      cpuPerEvent(r.clickstream),
      errors(r.clickstream.result) + (r.baseline ? errors(r.baseline.result) : 0),
    ]),
  );
  return {
    suite: setup.suite,
    title: setup.title,
    notes: [
      `Each row: ${seconds} s of \`clickstream loadgen\` (its own process, realistic events, 10 % bots) against a bare node:http server that parses the same JSON and answers 202 (the ceiling), then against Clickstream (\`node dist/src/main.js\`, all roles in one process unless ROLES=ingest: the processor aggregates while ingest runs).`,
      ...(baselineDist
        ? [
            `"baseline" is the build in ${baselineDist}, run between the ceiling and this build in every row, on its own fresh data folder.`,
          ]
        : []),
      'On a 2-core machine the load generator and the server take one core each; "server CPU" is the server\'s CPU time over wall time, "ev per CPU-s" its events per CPU-second (its rate on one fully used core) and "CPU µs/ev" the same as CPU time per event.',
      `Peak RSS of the server: ${Object.entries(rss)
        .map(([m, v]) => `${m} ${v ?? '?'} MB`)
        .join(', ')}.`,
      'Targets (issue 13): batch ingest with ROLES=ingest at ≤ 8 µs of CPU per event; single events ≥ 50 % of the node:http ceiling; Kafka single-event p50 ≤ 5 ms at concurrency 1.',
    ],
    table,
    data: { rows, peakRssMb: rss, seconds, baselineDist: baselineDist ?? null },
  };
}
