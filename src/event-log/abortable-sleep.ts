/**
 * Waits `ms`, or less when `signal` aborts. The abort listener is removed when the time is up:
 * consumer loops sleep several times a second for as long as the process runs, and a listener
 * left behind by each sleep is a leak (and Node's MaxListenersExceededWarning).
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
