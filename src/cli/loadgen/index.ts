import { randomInt } from 'node:crypto';
import { helpText } from '../flags.js';
import type { CommandIo } from '../command.js';
import { runLoadgen } from './loadgen.js';
import { LOADGEN_FLAGS, parseLoadgenOptions, wantsHelp } from './options.js';
import { formatSummary } from './summary.js';

export const LOADGEN_USAGE =
  'Usage: clickstream loadgen --url URL [--rate N|max] [--count N | --duration TIME] [options]\n\nSends realistic clickstream traffic (visitors, sessions, Zipf page popularity, bots, optional\ninvalid events) and reports what the server acknowledged.';

/** `clickstream loadgen`: exit 0 when every event ended as expected, 1 when some did not. */
export async function loadgenCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(helpText(LOADGEN_USAGE, LOADGEN_FLAGS));
    return 0;
  }
  const options = parseLoadgenOptions(argv, () => randomInt(0, 2 ** 31));
  const report = await runLoadgen(options, {
    progress: io.stderr,
    tty: io.stderrIsTty,
    signal: io.signal,
  });
  io.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatSummary(report));
  return Object.keys(report.errors).length === 0 ? 0 : 1;
}
