#!/usr/bin/env node
import { runCli } from './run-cli.js';

/** The `clickstream` executable: subcommands live in run-cli.ts so tests can call them in-process. */
const controller = new AbortController();
// The first Ctrl-C winds the run down and still prints the summary; a second one exits at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
}
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTty: process.stderr.isTTY === true,
  signal: controller.signal,
});
process.exitCode = code;
