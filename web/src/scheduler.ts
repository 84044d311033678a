/**
 * At most `max` requests in flight, the most urgent first. A view asks about ten queries at once;
 * on a small server running them all together makes each as slow as the slowest, so the totals
 * and the chart go first and the panels follow.
 */
export function createLimiter(max: number) {
  let running = 0;
  const waiting: Array<{ priority: number; seq: number; start: () => void }> = [];
  let seq = 0;
  const next = (): void => {
    while (running < max && waiting.length > 0) {
      waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      running++;
      waiting.shift()!.start();
    }
  };
  return {
    run<T>(work: () => Promise<T>, priority = 1): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({
          priority,
          seq: seq++,
          start: () => {
            work()
              .then(resolve, reject)
              .finally(() => {
                running--;
                next();
              });
          },
        });
        next();
      });
    },
  };
}

/**
 * Runs `load` when the element is on screen (or near it), and again on each `stale()` while it
 * is; a card below the fold is loaded when it is scrolled to, not with the first screen.
 */
export function whenVisible(
  element: Element,
  load: () => Promise<void>,
): { stale(): void; now(): Promise<void> } {
  let visible = false;
  // Nothing to load until the first `stale()`: the view (a shared link's site) may not be known yet.
  let dirty = false;
  const run = (): void => {
    dirty = false;
    void load();
  };
  new IntersectionObserver(
    (entries) => {
      visible = entries.some((e) => e.isIntersecting);
      if (visible && dirty) run();
    },
    { rootMargin: '300px' },
  ).observe(element);
  return {
    stale() {
      dirty = true;
      if (visible) run();
    },
    async now() {
      dirty = false;
      await load();
    },
  };
}
