import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Why events did not end as expected (acknowledged if good, rejected if bad). */
export type ErrorKind =
  | 'timeout'
  | 'network'
  | 'overloaded_503'
  | 'server_5xx'
  | 'client_4xx'
  | 'unexpected_rejection'
  | 'bad_event_accepted'
  | 'unreadable_answer';

export interface StatsSnapshot {
  elapsedMs: number;
  sent: number;
  accepted: number;
  rejected: number;
  /** Events per kind of error (an event counts once, after its last attempt). */
  errors: Partial<Record<ErrorKind, number>>;
  errorSamples: string[];
  requests: number;
  retries: number;
  /** Events whose fate is unknown (no answer): they may or may not be stored. */
  unknown: number;
  eventsPerSecond: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

const MAX_SAMPLES = 5;

/** Counters and a latency histogram (microseconds) for one run. */
export class RunStats {
  sent = 0;
  accepted = 0;
  rejected = 0;
  requests = 0;
  retries = 0;
  unknown = 0;
  readonly errors = new Map<ErrorKind, number>();
  private readonly samples: string[] = [];
  private readonly latency: RecordableHistogram = createHistogram({
    lowest: 1,
    highest: 600_000_000,
    figures: 3,
  });

  constructor(private readonly startedAt: number) {}

  recordLatency(ms: number): void {
    this.requests++;
    this.latency.record(Math.max(1, Math.round(ms * 1000)));
  }

  error(kind: ErrorKind, events: number, sample?: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + events);
    if (sample !== undefined && this.samples.length < MAX_SAMPLES)
      this.samples.push(`${kind}: ${sample}`);
  }

  get errorCount(): number {
    let total = 0;
    for (const n of this.errors.values()) total += n;
    return total;
  }

  snapshot(now: number): StatsSnapshot {
    const elapsedMs = Math.max(1, now - this.startedAt);
    const percentile = (p: number): number =>
      this.latency.count === 0 ? 0 : this.latency.percentile(p) / 1000;
    return {
      elapsedMs,
      sent: this.sent,
      accepted: this.accepted,
      rejected: this.rejected,
      errors: Object.fromEntries(this.errors),
      errorSamples: [...this.samples],
      requests: this.requests,
      retries: this.retries,
      unknown: this.unknown,
      eventsPerSecond: (this.accepted + this.rejected) / (elapsedMs / 1000),
      requestsPerSecond: this.requests / (elapsedMs / 1000),
      latencyMs: {
        p50: percentile(50),
        p90: percentile(90),
        p99: percentile(99),
        max: this.latency.count === 0 ? 0 : this.latency.max / 1000,
        mean: this.latency.count === 0 ? 0 : this.latency.mean / 1000,
      },
    };
  }
}
