import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filledStore } from './support/fill-store.js';

/**
 * `npx tsx bench/fill.ts 1000000 10000000`: prepares the query suite's stores ahead of a run
 * (filling 10 million events takes a while); `npm run bench` reuses them.
 */
for (const size of process.argv.slice(2).map(Number)) {
  const store = await filledStore(join(tmpdir(), 'clickstream-bench-data'), size, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${size}: ${store.reused ? 'already filled' : `filled in ${store.fillSeconds.toFixed(0)} s`} (${store.dataDir})\n`);
}
