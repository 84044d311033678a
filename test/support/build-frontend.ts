import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { buildTracker, TRACKER_OUTPUT } from '../../tracker/build.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Newest modification time under the given files and folders. */
function newest(paths: string[]): number {
  let latest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    latest = Math.max(latest, stat.mtimeMs);
    if (stat.isDirectory())
      latest = Math.max(latest, newest(readdirSync(path).map((name) => join(path, name))));
  }
  return latest;
}

const outdated = (output: string, sources: string[]): boolean =>
  !existsSync(output) || statSync(output).mtimeMs < newest(sources);

/**
 * Vitest global setup: builds the tracker and the dashboard when missing or older than their
 * sources, so `npm test` works on a fresh clone. Each build is written beside its target and
 * renamed into place, so a test of another run that is reading the files never sees half a build.
 */
export default async function setup(): Promise<void> {
  const tracker = join(ROOT, 'tracker');
  if (outdated(TRACKER_OUTPUT, [join(tracker, 'src'), join(tracker, 'build.ts')])) {
    const temporary = `${TRACKER_OUTPUT}.${process.pid}.tmp`;
    await buildTracker(temporary);
    renameSync(temporary, TRACKER_OUTPUT);
  }
  const web = join(ROOT, 'web');
  const dist = join(web, 'dist');
  if (
    outdated(join(dist, 'index.html'), [
      join(web, 'src'),
      join(web, 'public'),
      join(web, 'index.html'),
      join(web, 'vite.config.ts'),
    ])
  ) {
    // Built under node_modules/.cache (ignored by git and lint) and renamed: same file system.
    const temporary = join(ROOT, 'node_modules', '.cache', `clickstream-web-${process.pid}`);
    await build({ root: web, build: { outDir: temporary, emptyOutDir: true } });
    rmSync(dist, { recursive: true, force: true });
    renameSync(temporary, dist);
  }
}
