import { ClickstreamError } from '../../domain/errors.js';
import type { AppendRecord } from '../../ports/event-log.js';

interface Waiter {
  records: readonly AppendRecord[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: appends that arrive in the same turn of the event loop share one transaction and
 * one fsync. Memory stays bounded — past `maxPendingBytes` an append is refused (503), not queued.
 */
export class GroupCommit {
  private pending: Waiter[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (records: AppendRecord[]) => void,
    private readonly maxPendingBytes: number,
  ) {}

  append(records: readonly AppendRecord[]): Promise<void> {
    const bytes = records.reduce((sum, r) => sum + r.value.length + r.key.length, 0);
    if (this.pendingBytes + bytes > this.maxPendingBytes) {
      return Promise.reject(new ClickstreamError('LOG_OVERLOADED', 'the event log is behind; retry shortly'));
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ records, bytes, resolve, reject });
      this.pendingBytes += bytes;
      if (!this.scheduled) {
        this.scheduled = true;
        this.idle = new Promise((done) => setImmediate(() => done(this.flush())));
      }
    });
  }

  /** Resolves once everything appended so far is flushed. */
  drain(): Promise<void> {
    return this.idle;
  }

  private flush(): void {
    const waiters = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.scheduled = false;
    try {
      this.write(waiters.flatMap((w) => w.records));
    } catch (cause) {
      const error = new ClickstreamError('LOG_UNAVAILABLE', 'the event log could not store the events', { cause });
      for (const w of waiters) w.reject(error);
      return;
    }
    for (const w of waiters) w.resolve();
  }
}
