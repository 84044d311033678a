import { ClickstreamError } from '../../domain/errors.js';
import type { AppendRecord } from '../../ports/event-log.js';

interface Waiter {
  records: readonly AppendRecord[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: appends share one transaction and one fsync. At most one write is in flight; the
 * appends that arrive meanwhile (or, when idle, within the same turn of the event loop) form the
 * next group, so the busier the log, the larger the groups, and an idle log writes at once.
 * Memory stays bounded: past `maxPendingBytes` (queued and in flight) an append is refused (503),
 * not queued.
 */
export class GroupCommit {
  private pending: Waiter[] = [];
  private pendingBytes = 0;
  private inFlightBytes = 0;
  private scheduled = false;
  private writing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly write: (records: AppendRecord[]) => Promise<void>,
    private readonly maxPendingBytes: number,
  ) {}

  append(records: readonly AppendRecord[]): Promise<void> {
    let bytes = 0;
    for (const r of records) bytes += r.value.length + r.key.length;
    if (this.pendingBytes + this.inFlightBytes + bytes > this.maxPendingBytes) {
      return Promise.reject(
        new ClickstreamError('LOG_OVERLOADED', 'the event log is behind; retry shortly'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ records, bytes, resolve, reject });
      this.pendingBytes += bytes;
      if (!this.writing && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Resolves once everything appended so far is written (or failed). */
  drain(): Promise<void> {
    if (!this.writing && !this.scheduled && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const group = this.pending;
    this.pending = [];
    this.inFlightBytes = this.pendingBytes;
    this.pendingBytes = 0;
    this.writing = true;
    try {
      const records: AppendRecord[] = [];
      for (const w of group) for (const r of w.records) records.push(r);
      await this.write(records);
      for (const w of group) w.resolve();
    } catch (cause) {
      const error = new ClickstreamError(
        'LOG_UNAVAILABLE',
        'the event log could not store the events',
        { cause },
      );
      for (const w of group) w.reject(error);
    } finally {
      this.writing = false;
      this.inFlightBytes = 0;
    }
    // What gathered while this group was written has waited long enough.
    if (this.pending.length > 0) return this.flush();
    const idle = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of idle) resolve();
  }
}
