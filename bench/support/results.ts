import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine, machineLine, type Machine } from './machine.js';
import { ROOT } from './processes.js';

export interface SuiteContext {
  quick: boolean;
  machine: Machine;
  /** Stored events for the query suite (default: 100,000 quick; 1 and 10 million full). */
  querySizes?: number[] | undefined;
  /** Another build (a dist/ folder) measured in the same run as this one, row by row (the ingest suites). */
  baselineDist?: string | undefined;
  /** The ingest suites' modes to run (default: all of the run's). */
  ingestModes?: string[] | undefined;
}

export interface SuiteReport {
  suite: string;
  title: string;
  /** Lines printed above the table: what was measured, how, and against which baseline. */
  notes: string[];
  table: string;
  data: unknown;
}

/** Prints a suite's Markdown section and writes its JSON to bench/results/<suite>[-quick].json. */
export function publish(report: SuiteReport, context: SuiteContext): string {
  const machine = describeMachine();
  const text = [
    `## ${report.title}`,
    '',
    machineLine({ ...machine, loadAverage: context.machine.loadAverage }),
    ...report.notes.map((n) => `${n}`),
    '',
    report.table,
    '',
  ].join('\n');
  process.stdout.write(`${text}\n`);
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.suite}${context.quick ? '-quick' : ''}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ suite: report.suite, quick: context.quick, machine: { ...machine, loadAverageAtStart: context.machine.loadAverage }, notes: report.notes, data: report.data, markdown: text }, null, 2)}\n`,
  );
  return text;
}

/** CPU seconds (user + system) a process has used so far, from /proc; null elsewhere. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readProc(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) in clock ticks; Linux uses 100 ticks per second.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function readProc(path: string): string {
  return readFileSync(path, 'utf8');
}
