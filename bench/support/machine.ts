import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  memoryGb: number;
  /** 1-minute load average when the suite started: other work on the machine skews absolute numbers. */
  loadAverage: number;
  date: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
    date: new Date().toISOString(),
  };
}

export function machineLine(m: Machine): string {
  return `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, Node ${m.node}, load average ${m.loadAverage} at start, ${m.date}`;
}
