import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortableSleep } from '../../src/event-log/abortable-sleep.js';

describe('abortableSleep', () => {
  it('leaves no abort listener behind when the time is up (consumer loops sleep for as long as they run)', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await abortableSleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends early on abort, and at once when already aborted', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    await abortableSleep(60_000, controller.signal);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
