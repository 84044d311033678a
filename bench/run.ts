import { parseArgs } from 'node:util';
import { freshnessSuite } from './suites/freshness.js';
import { ingestSuite } from './suites/ingest.js';
import { querySuite } from './suites/queries.js';
import { scaledSuites } from './suites/scaled.js';
import { describeMachine } from './support/machine.js';
import { assertBuilt } from './support/processes.js';
import { publish, type SuiteContext, type SuiteReport } from './support/results.js';

const SUITES: Record<string, (context: SuiteContext) => Promise<SuiteReport[]>> = {
  ingest: async (c) => [await ingestSuite(c)],
  freshness: async (c) => [await freshnessSuite(c)],
  queries: async (c) => [await querySuite(c)],
  scaled: (c) => scaledSuites(c),
};

/**
 * `npm run bench [-- --quick] [-- --suite ingest,queries]`: runs the suites one after the other
 * (never two at once: they would measure each other), prints Markdown and writes bench/results/.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, suite: { type: 'string' } }, strict: true });
  const names = values.suite ? values.suite.split(',') : Object.keys(SUITES);
  const unknown = names.filter((n) => !(n in SUITES));
  if (unknown.length) throw new Error(`--suite: unknown ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`);
  assertBuilt();
  const context: SuiteContext = { quick: values.quick === true, machine: describeMachine() };
  const started = Date.now();
  process.stdout.write(`# Clickstream benchmarks (${context.quick ? 'quick' : 'full'})\n\n`);
  for (const name of names) {
    for (const report of await SUITES[name]!(context)) publish(report, context);
  }
  process.stdout.write(`All suites done in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
