import { markdownTable, ms, num } from '../support/markdown.js';
import { runLoad, startBareServer, startClickstream, tempDir, type Child, type LoadResult } from '../support/processes.js';
import { cpuSeconds, type SuiteContext, type SuiteReport } from '../support/results.js';

export interface IngestSetup {
  suite: string;
  title: string;
  /** Environment of the server under test (adapters, brokers…); DATA_DIR is added. */
  env: Record<string, string>;
}

interface Mode {
  name: string;
  batchSize: number;
  concurrency: number[];
  /** ROLES=ingest: no processor in the process, so the rows show what ingest alone costs. */
  ingestOnly?: boolean;
}

interface Row {
  mode: string;
  batchSize: number;
  concurrency: number;
  bare: LoadResult;
  clickstream: LoadResult;
  /** Clickstream's events per CPU-second of its server process: its rate on one fully used core. */
  eventsPerCoreSecond: number | null;
  serverCpuShare: number | null;
}

const EMBEDDED: IngestSetup = { suite: 'ingest', title: 'Ingest, embedded (SQLite log and store, durability on)', env: {} };

function modes(quick: boolean): Mode[] {
  return quick
    ? [{ name: 'single', batchSize: 1, concurrency: [32] }, { name: 'batch', batchSize: 100, concurrency: [4] }]
    : [
        { name: 'single', batchSize: 1, concurrency: [1, 8, 32, 128] },
        { name: 'batch', batchSize: 100, concurrency: [1, 4, 16] },
        { name: 'single, ingest role only', batchSize: 1, concurrency: [32], ingestOnly: true },
        { name: 'batch, ingest role only', batchSize: 100, concurrency: [4, 16], ingestOnly: true },
      ];
}

function loadArgs(url: string, mode: Mode, concurrency: number, seconds: number, seed: number): string[] {
  return ['--url', url, '--duration', `${seconds}s`, '--concurrency', String(concurrency), '--batch-size', String(mode.batchSize),
    '--seed', String(seed), '--retries', '0', '--bots', '0.1', '--sites', '3'];
}

/**
 * Single-event POST /track and 100-event POST /track/batch at a few concurrency levels, against
 * the bare node:http baseline and Clickstream, each run right after the other so both see the
 * same machine load. The load generator is its own process (node dist/src/cli/clickstream.js).
 */
export async function ingestSuite(context: SuiteContext, setup: IngestSetup = EMBEDDED): Promise<SuiteReport> {
  const seconds = context.quick ? 2 : 10;
  const bare = await startBareServer();
  const rows: Row[] = [];
  const rss: Record<string, number | null> = {};
  try {
    for (const mode of modes(context.quick)) {
      const data = tempDir('clickstream-bench-');
      const server = await startClickstream({ ...setup.env, DATA_DIR: data.path, ...(mode.ingestOnly ? { ROLES: 'ingest' } : {}) });
      try {
        await warmUp(bare.url, server.url, mode);
        for (const concurrency of mode.concurrency) rows.push(await measure(mode, concurrency, seconds, bare, server));
        rss[mode.name] = server.peakRssMb();
      } finally {
        await server.stop();
        data.remove();
      }
    }
  } finally {
    await bare.stop();
  }
  return report(setup, rows, rss, seconds);
}

async function warmUp(bareUrl: string, serverUrl: string, mode: Mode): Promise<void> {
  // The first second runs cold code (JIT, SQLite page cache); it is not what a server does all day.
  await runLoad(loadArgs(bareUrl, mode, 4, 1, 1));
  await runLoad(loadArgs(serverUrl, mode, 4, 1, 1));
}

async function measure(mode: Mode, concurrency: number, seconds: number, bare: Child, server: Child): Promise<Row> {
  const seed = concurrency * 7919 + mode.batchSize;
  const bareResult = await runLoad(loadArgs(bare.url, mode, concurrency, seconds, seed));
  const cpuBefore = cpuSeconds(server.pid);
  const started = Date.now();
  const result = await runLoad(loadArgs(server.url, mode, concurrency, seconds, seed));
  const cpuAfter = cpuSeconds(server.pid);
  const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  const wall = (Date.now() - started) / 1000;
  return {
    mode: mode.name,
    batchSize: mode.batchSize,
    concurrency,
    bare: bareResult,
    clickstream: result,
    eventsPerCoreSecond: cpu ? (result.eventsPerSecond * seconds) / cpu : null,
    serverCpuShare: cpu === null ? null : cpu / wall,
  };
}

function report(setup: IngestSetup, rows: Row[], rss: Record<string, number | null>, seconds: number): SuiteReport {
  const errors = (r: LoadResult) => Object.values(r.errors).reduce((a, b) => a + b, 0);
  const table = markdownTable(
    ['request', 'conc.', 'node:http ev/s', 'Clickstream ev/s', 'ratio', 'p50 ms', 'p99 ms', 'node:http p50/p99 ms', 'server CPU', 'ev per CPU-s', 'errors'],
    rows.map((r) => [
      `${r.batchSize === 1 ? 'POST /track' : `POST /track/batch (${r.batchSize})`}${r.mode.includes('ingest role') ? ', ROLES=ingest' : ''}`,
      r.concurrency,
      num(r.bare.eventsPerSecond),
      num(r.clickstream.eventsPerSecond),
      `${num((100 * r.clickstream.eventsPerSecond) / r.bare.eventsPerSecond)} %`,
      ms(r.clickstream.latencyMs.p50),
      ms(r.clickstream.latencyMs.p99),
      `${ms(r.bare.latencyMs.p50)} / ${ms(r.bare.latencyMs.p99)}`,
      r.serverCpuShare === null ? '–' : `${num(100 * r.serverCpuShare)} %`,
      r.eventsPerCoreSecond === null ? '–' : num(r.eventsPerCoreSecond),
      errors(r.clickstream),
    ]),
  );
  return {
    suite: setup.suite,
    title: setup.title,
    notes: [
      `Each row: ${seconds} s of \`clickstream loadgen\` (its own process, realistic events, 10 % bots) against a bare node:http server that parses the same JSON and answers 202 (the ceiling), then against Clickstream (\`node dist/src/main.js\`, all roles in one process: the processor aggregates while ingest runs).`,
      'On a 2-core machine the load generator and the server take one core each; "server CPU" is the server\'s CPU time over wall time, "ev per CPU-s" its events per CPU-second (its rate on one fully used core).',
      `Peak RSS of the server: ${Object.entries(rss).map(([m, v]) => `${m} ${v ?? '?'} MB`).join(', ')}.`,
      'Targets: single-event ingest ≥ 80 % of the node:http ceiling; batch ingest ≥ 500,000 events/s on one core.',
    ],
    table,
    data: { rows, peakRssMb: rss, seconds },
  };
}
