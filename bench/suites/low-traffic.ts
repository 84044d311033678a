import { markdownTable, num } from '../support/markdown.js';
import { runLoad, startClickstream, tempDir, type Child } from '../support/processes.js';
import { cpuSeconds, type SuiteContext, type SuiteReport } from '../support/results.js';

interface Setup {
  label: string;
  env: Record<string, string>;
  dist?: string | undefined;
}

interface Row {
  setup: string;
  rate: number;
  accepted: number;
  /** The server's CPU time over wall time while the load ran: 1 = one core. */
  cpuShare: number;
}

/**
 * What a small site costs: the embedded default (every role in one process) at a steady, low rate
 * of single events, as a tracker on a site with a few visitors at a time sends them. Reported as
 * the server's share of a core, beside the same server with ROLES=ingest (what accepting the
 * events alone costs) and, with `--baseline DIST`, another build — all in the same run.
 */
export async function lowTrafficSuite(context: SuiteContext): Promise<SuiteReport> {
  const seconds = context.quick ? 8 : 15;
  const rates = context.quick ? [100] : [100, 1000];
  const setups: Setup[] = [
    { label: 'ROLES=ingest', env: { ROLES: 'ingest' } },
    { label: 'all roles', env: {} },
    ...(context.baselineDist
      ? [{ label: 'all roles, baseline build', env: {}, dist: context.baselineDist }]
      : []),
  ];
  const rows: Row[] = [];
  for (const rate of rates)
    for (const setup of setups) rows.push(await measure(setup, rate, seconds));
  const share = (r: Row) => `${num(100 * r.cpuShare)} %`;
  const ratioTo = (r: Row, label: string) => {
    const other = rows.find((o) => o.rate === r.rate && o.setup === label);
    return other && r.setup === 'all roles' ? `${num(r.cpuShare / other.cpuShare, 2)}×` : '–';
  };
  return {
    suite: 'low-traffic',
    title: 'Low traffic, embedded: what a small site costs',
    notes: [
      `Each row: a fresh data folder, ${seconds} s of \`clickstream loadgen --rate N --concurrency 2\` (single events, timestamps in the last minute) after a 5 s warm-up, against \`node dist/src/main.js\`. "server CPU" is the server's CPU time (every thread) over wall time: 100 % is one core.`,
      'The ROLES=ingest row is what accepting the events costs (a 202 after the fsync), measured in the same run; the difference to "all roles" is the processor and the store. "accepted" below the rate × seconds means the server answered too slowly for two connections to keep the rate.',
    ],
    table: markdownTable(
      ['setup', 'events/s', 'accepted', 'server CPU', '× ROLES=ingest', '× baseline build'],
      rows.map((r) => [
        r.setup,
        num(r.rate),
        num(r.accepted),
        share(r),
        ratioTo(r, 'ROLES=ingest'),
        ratioTo(r, 'all roles, baseline build'),
      ]),
    ),
    data: { seconds, rows },
  };
}

async function measure(setup: Setup, rate: number, seconds: number): Promise<Row> {
  const dir = tempDir('clickstream-bench-low-');
  let server: Child | null = null;
  try {
    server = await startClickstream({ ...setup.env, DATA_DIR: dir.path }, [], setup.dist);
    const load = (s: number) =>
      runLoad([
        '--url',
        server!.url,
        '--rate',
        String(rate),
        '--duration',
        `${s}s`,
        '--concurrency',
        '2',
        '--window',
        '1m',
        '--seed',
        '7',
      ]);
    await load(5);
    const before = cpuSeconds(server.pid);
    const started = Date.now();
    const result = await load(seconds);
    const after = cpuSeconds(server.pid);
    if (before === null || after === null) throw new Error('low-traffic needs /proc (Linux)');
    return {
      setup: setup.label,
      rate,
      accepted: result.accepted,
      cpuShare: (after - before) / ((Date.now() - started) / 1000),
    };
  } finally {
    await server?.stop();
    dir.remove();
  }
}
