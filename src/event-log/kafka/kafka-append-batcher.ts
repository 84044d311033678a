import type { MessageToProduce } from '@platformatic/kafka';
import { logOverloaded, logUnavailable } from './kafka-errors.js';

export type OutgoingMessage = MessageToProduce<Buffer, Buffer, string, string>;

export interface BatcherLimits {
  maxPendingBytes: number;
  maxSendBytes: number;
  lingerMs: number;
  appendTimeoutMs: number;
}

interface Waiter {
  messages: readonly OutgoingMessage[];
  bytes: number;
  state: 'queued' | 'sending' | 'answered';
  resolve: () => void;
  reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Group commit in front of the idempotent producer. Appends that arrive while a produce request is
 * in flight (or within the linger) share the next request, and only one request is in flight at a
 * time: the client numbers idempotent batches itself, and two concurrent sends would reuse the same
 * sequence numbers. Memory stays bounded: queued and in-flight bytes count against
 * `maxPendingBytes`, beyond which appends are refused at once (LOG_OVERLOADED); an append not
 * acknowledged within `appendTimeoutMs` is answered LOG_UNAVAILABLE.
 */
export class AppendBatcher {
  private queue: Waiter[] = [];
  private pending = 0;
  private sending = false;
  private lingerTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly send: (messages: OutgoingMessage[]) => Promise<void>,
    private readonly limits: BatcherLimits,
  ) {}

  /** Bytes queued or in flight. */
  get pendingBytes(): number {
    return this.pending;
  }

  append(messages: readonly OutgoingMessage[]): Promise<void> {
    const bytes = messages.reduce((sum, m) => sum + messageBytes(m), 0);
    if (this.pending + bytes > this.limits.maxPendingBytes) return Promise.reject(logOverloaded());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { messages, bytes, state: 'queued', resolve, reject };
      waiter.timer = setTimeout(() => this.expire(waiter), this.limits.appendTimeoutMs);
      this.queue.push(waiter);
      this.pending += bytes;
      this.schedule(this.limits.lingerMs);
    });
  }

  /** Resolves once nothing is queued or in flight. */
  drain(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(delayMs: number): void {
    if (this.sending || this.lingerTimer || this.queue.length === 0) return;
    const fire = (): void => {
      this.lingerTimer = undefined;
      void this.flush();
    };
    // setImmediate rather than a 0 ms timer: timers fire no sooner than 1 ms, and the appends of
    // the current turn (one per request parsed in it) are all queued by then anyway.
    this.lingerTimer = delayMs > 0 ? setTimeout(fire, delayMs) : setImmediate(fire);
  }

  private async flush(): Promise<void> {
    const batch = this.takeBatch();
    this.sending = true;
    try {
      await this.send(batch.flatMap((w) => w.messages));
      for (const w of batch) answer(w, () => w.resolve());
    } catch (cause) {
      const error = logUnavailable(cause);
      for (const w of batch) answer(w, () => w.reject(error));
    } finally {
      // Bytes are released only now: until the client lets go of a request, it holds them.
      for (const w of batch) this.pending -= w.bytes;
      this.sending = false;
      // What queued up meanwhile has waited long enough: send it without lingering again.
      this.schedule(0);
      if (this.queue.length === 0) this.notifyIdle();
    }
  }

  private takeBatch(): Waiter[] {
    const batch: Waiter[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && bytes + next.bytes > this.limits.maxSendBytes) break;
      this.queue.shift();
      next.state = 'sending';
      batch.push(next);
      bytes += next.bytes;
    }
    return batch;
  }

  /**
   * A queued append that timed out is dropped so it is never written after the client was told
   * 503; one already in flight may still be written (the client's retry then duplicates it, which
   * at-least-once ingest accepts).
   */
  private expire(waiter: Waiter): void {
    if (waiter.state === 'queued') {
      this.queue = this.queue.filter((w) => w !== waiter);
      this.pending -= waiter.bytes;
      if (!this.sending && this.queue.length === 0) this.notifyIdle();
    }
    answer(waiter, () =>
      waiter.reject(
        logUnavailable(
          undefined,
          'the event log (Kafka) did not acknowledge in time; retry shortly',
        ),
      ),
    );
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function answer(waiter: Waiter, settle: () => void): void {
  if (waiter.state === 'answered') return;
  waiter.state = 'answered';
  clearTimeout(waiter.timer);
  settle();
}

function messageBytes(message: OutgoingMessage): number {
  let bytes = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  const headers =
    message.headers instanceof Map ? [...message.headers] : Object.entries(message.headers ?? {});
  for (const [key, value] of headers) bytes += key.length + value.length;
  return bytes;
}
