import type { LoadgenOptions } from './options.js';
import { fmt } from './progress.js';
import type { StatsSnapshot } from './stats.js';

export interface LoadgenReport extends StatsSnapshot {
  seed: number;
  sites: string[];
  batchSize: number;
  concurrency: number;
  rate: number | null;
  ledger: string | null;
}

export function buildReport(options: LoadgenOptions, snapshot: StatsSnapshot): LoadgenReport {
  return {
    ...snapshot,
    seed: options.seed,
    sites: Array.from({ length: options.sites }, (_, i) => `${options.sitePrefix}${i + 1}`),
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    rate: options.rate,
    ledger: options.ledger,
  };
}

/** The end-of-run summary for a human: counts, errors by kind, throughput and latency. */
export function formatSummary(r: LoadgenReport): string {
  const errors = Object.entries(r.errors);
  const errorTotal = errors.reduce((sum, [, n]) => sum + (n ?? 0), 0);
  const sites = r.sites.length > 3 ? `${r.sites[0]!} … ${r.sites.at(-1)!}` : r.sites.join(', ');
  const lines = [
    `Load run: ${(r.elapsedMs / 1000).toFixed(1)} s, seed ${r.seed} (repeat with --seed ${r.seed}), sites ${sites}`,
    `  sent        ${fmt(r.sent)} events in ${fmt(r.requests)} requests (batch size ${r.batchSize}, concurrency ${r.concurrency}${r.rate === null ? ', unthrottled' : `, target ${fmt(r.rate)} ev/s`})`,
    `  accepted    ${fmt(r.accepted)}`,
    `  rejected    ${fmt(r.rejected)} (invalid events, refused as they must be)`,
    `  errors      ${fmt(errorTotal)}${errors.length ? ` — ${errors.map(([k, n]) => `${k}: ${fmt(n ?? 0)}`).join(', ')}` : ''}`,
    ...r.errorSamples.map((s) => `                e.g. ${s}`),
    `  retries     ${fmt(r.retries)}${r.unknown ? `; ${fmt(r.unknown)} events of unknown fate (may be stored)` : ''}`,
    `  throughput  ${fmt(r.eventsPerSecond)} events/s, ${fmt(r.requestsPerSecond)} requests/s`,
    `  latency     p50 ${ms(r.latencyMs.p50)} · p90 ${ms(r.latencyMs.p90)} · p99 ${ms(r.latencyMs.p99)} · max ${ms(r.latencyMs.max)}`,
  ];
  if (r.ledger)
    lines.push(
      `  ledger      ${r.ledger} (${fmt(r.accepted)} acknowledged events)${r.unknown ? `, unknown fates in ${r.ledger}.unknown` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
}
