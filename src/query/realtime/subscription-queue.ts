/**
 * The async iterator behind one GraphQL subscription. Bounded: when the client reads slower than
 * events arrive, the oldest queued values are dropped, so a slow socket costs memory of at most
 * `capacity` values. `return()` (the client unsubscribed or disconnected) ends it at once, even
 * while a `next()` is waiting.
 */
export interface SubscriptionQueue<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** Ends the iteration (server shutdown). */
  end(): void;
  readonly dropped: number;
}

export function createSubscriptionQueue<T>(
  capacity: number,
  onEnd: () => void,
): SubscriptionQueue<T> {
  const values: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let ended = false;
  let dropped = 0;

  const finish = (): void => {
    if (ended) return;
    ended = true;
    values.length = 0;
    waiting?.({ value: undefined, done: true });
    waiting = undefined;
    onEnd();
  };

  const queue: SubscriptionQueue<T> = {
    push(value) {
      if (ended) return;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value, done: false });
        return;
      }
      values.push(value);
      if (values.length > capacity) {
        values.shift();
        dropped++;
      }
    },
    end: finish,
    get dropped() {
      return dropped;
    },
    next() {
      if (values.length > 0) return Promise.resolve({ value: values.shift()!, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return() {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      finish();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
  };
  return queue;
}
