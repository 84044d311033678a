/**
 * Local Apache Kafka and Apache Cassandra on loopback, without Docker, for tests and development.
 * Run `npx tsx services/services.ts help` for the commands; see services/README.md.
 */
import { runNodetool } from './cassandra-nodetool.js';
import type { CliArgs } from './cli-args.js';
import { USAGE, UsageError, parseCli } from './cli-args.js';
import type { ServicesContext } from './context.js';
import { createContext } from './context.js';
import { LOCK_WAIT_MS, createDriver, installAll, lockFile } from './drivers.js';
import { withLock } from './lock.js';
import {
  checkService,
  downService,
  startNode,
  statusService,
  stopNode,
  upService,
  wipeService,
} from './orchestrator.js';
import { ServicesError } from './types.js';

/** Runs one action per selected service, concurrently; true when all succeeded. */
async function forEachService(
  ctx: ServicesContext,
  args: CliArgs,
  action: (name: CliArgs['services'][number]) => Promise<boolean>,
): Promise<boolean> {
  const results = await Promise.allSettled(args.services.map(action));
  let ok = true;
  for (const result of results) {
    if (result.status === 'fulfilled') {
      ok &&= result.value;
    } else {
      ok = false;
      const error: unknown = result.reason;
      ctx.log(
        error instanceof ServicesError
          ? `error: ${error.message}`
          : String((error as Error).stack ?? error),
      );
    }
  }
  return ok;
}

async function succeeded(work: Promise<unknown>): Promise<boolean> {
  await work;
  return true;
}

async function run(ctx: ServicesContext, args: CliArgs): Promise<boolean> {
  const driver = (name: CliArgs['services'][number]) => createDriver(ctx, name);
  switch (args.command) {
    case 'help':
      ctx.log(USAGE);
      return true;
    case 'status':
      return forEachService(ctx, args, (name) => statusService(ctx, driver(name)));
    case 'check':
      return forEachService(ctx, args, (name) => checkService(ctx, driver(name)));
    case 'up':
      await installAll(args.services.map(driver));
      return forEachService(ctx, args, (name) =>
        succeeded(upService(ctx, driver(name), args.nodes[name])),
      );
    case 'down':
      return forEachService(ctx, args, (name) => succeeded(downService(ctx, driver(name))));
    case 'wipe':
      return forEachService(ctx, args, (name) => succeeded(wipeService(ctx, driver(name))));
    case 'start':
      return forEachService(ctx, args, (name) =>
        succeeded(startNode(ctx, driver(name), args.nodeIndex ?? 1)),
      );
    case 'stop':
      return forEachService(ctx, args, (name) =>
        succeeded(stopNode(ctx, driver(name), args.nodeIndex ?? 1)),
      );
    case 'nodetool':
      return (await runNodetool(ctx, args.nodeIndex ?? 1, args.passthrough)) === 0;
  }
}

/** Commands that start or stop nothing, so they need not wait for the lock. */
const READ_ONLY = new Set(['help', 'status', 'check', 'nodetool']);

async function main(): Promise<number> {
  const ctx = createContext((line) => console.log(line));
  try {
    const args = parseCli(process.argv.slice(2));
    const ok = READ_ONLY.has(args.command)
      ? await run(ctx, args)
      : await withLock(lockFile(ctx.layout), LOCK_WAIT_MS, () => run(ctx, args));
    return ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ServicesError)) throw error;
    console.error(`error: ${error.message}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
