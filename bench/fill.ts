import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filledStore } from './support/fill-store.js';

/**
 * `npx tsx bench/fill.ts 1000000 10000000`: prepares the query suite's stores ahead of a run
 * (filling 10 million events takes a while); `npm run bench` reuses them. With
 * BENCH_BASELINE_DIST (bench/baseline.sh) the earlier build's store is filled with the same events.
 */
const baseline = process.env.BENCH_BASELINE_DIST;
for (const size of process.argv.slice(2).map(Number)) {
  for (const dist of baseline ? [undefined, baseline] : [undefined]) {
    const store = await filledStore(
      join(tmpdir(), 'clickstream-bench-data'),
      size,
      (line) => process.stdout.write(`${line}\n`),
      dist,
    );
    process.stdout.write(
      `${size}${dist ? ' (baseline)' : ''}: ${store.reused ? 'already filled' : `filled in ${store.fillSeconds.toFixed(0)} s`} (${store.dataDir})\n`,
    );
  }
}
