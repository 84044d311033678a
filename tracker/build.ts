import { build, type BuildOptions } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The tracker build: one minified IIFE, ES2020 (every browser since 2020 runs it). */
export const trackerBuildOptions: BuildOptions = {
  entryPoints: [`${here}src/index.ts`],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
};

export const TRACKER_OUTPUT = `${here}dist/tracker.js`;

/** Writes tracker/dist/tracker.js (or another file), which Clickstream serves at /tracker.js. */
export async function buildTracker(outfile = TRACKER_OUTPUT): Promise<void> {
  await build({ ...trackerBuildOptions, outfile });
}

/** The minified bundle in memory, for the size budget test. */
export async function bundleTracker(): Promise<string> {
  const result = await build({ ...trackerBuildOptions, write: false });
  return result.outputFiles?.[0]?.text ?? '';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildTracker();
