import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { endToEndSuite } from './suites/end-to-end.js';
import { freshnessSuite } from './suites/freshness.js';
import { ingestSuite } from './suites/ingest.js';
import { lowTrafficSuite } from './suites/low-traffic.js';
import { querySuite } from './suites/queries.js';
import { scaledSuites } from './suites/scaled.js';
import { describeMachine } from './support/machine.js';
import { assertBuilt } from './support/processes.js';
import { publish, type SuiteContext, type SuiteReport } from './support/results.js';

const SUITES: Record<string, (context: SuiteContext) => Promise<SuiteReport[]>> = {
  ingest: async (c) => [await ingestSuite(c)],
  'end-to-end': async (c) => [await endToEndSuite(c)],
  freshness: async (c) => [await freshnessSuite(c)],
  'low-traffic': async (c) => [await lowTrafficSuite(c)],
  queries: async (c) => [await querySuite(c)],
  scaled: (c) => scaledSuites(c),
  'ingest-scaled': (c) => scaledSuites(c, ['ingest']),
  'freshness-scaled': (c) => scaledSuites(c, ['freshness']),
};

/**
 * `npm run bench [-- --quick] [-- --suite ingest,freshness,queries,scaled]`: runs the suites one after the other
 * (never two at once: they would measure each other), prints Markdown and writes bench/results/.
 * Ingest suites: `--modes single,batch,single-ingest,batch-ingest` picks rows; `--baseline DIST`
 * measures another build (e.g. a copy of dist/ from before a change) row by row in the same run
 * (the ingest and low-traffic suites).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      suite: { type: 'string' },
      'query-sizes': { type: 'string' },
      baseline: { type: 'string' },
      modes: { type: 'string' },
    },
    strict: true,
  });
  // --quick is a smoke run of the default deployment (under a minute); the Kafka + Cassandra
  // suites need their own minutes, so they run in the full mode or when named with --suite.
  const names = values.suite
    ? values.suite.split(',')
    : [
        'ingest',
        'end-to-end',
        'freshness',
        'low-traffic',
        'queries',
        ...(values.quick ? [] : ['scaled']),
      ];
  const unknown = names.filter((n) => !(n in SUITES));
  if (unknown.length)
    throw new Error(
      `--suite: unknown ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`,
    );
  assertBuilt();
  const querySizes = values['query-sizes']?.split(',').map(Number);
  if (querySizes?.some((n) => !Number.isSafeInteger(n) || n < 1000))
    throw new Error('--query-sizes: comma-separated event counts of at least 1000');
  if (values.baseline && !existsSync(join(values.baseline, 'src/main.js')))
    throw new Error(
      `--baseline: ${values.baseline}/src/main.js is missing (give a dist/ folder of another build)`,
    );
  const context: SuiteContext = {
    quick: values.quick === true,
    machine: describeMachine(),
    querySizes,
    baselineDist: values.baseline,
    ingestModes: values.modes?.split(','),
  };
  const started = Date.now();
  process.stdout.write(`# Clickstream benchmarks (${context.quick ? 'quick' : 'full'})\n\n`);
  for (const name of names) {
    for (const report of await SUITES[name]!(context)) publish(report, context);
  }
  process.stdout.write(`All suites done in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
