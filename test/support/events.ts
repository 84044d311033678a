import { randomUUID } from 'node:crypto';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';

/** A well-formed enriched event; override what the test is about. */
export function makeEvent(overrides: Partial<TrackedEvent> = {}): TrackedEvent {
  const now = Date.now();
  return {
    event_id: randomUUID(),
    site_id: 'test-site',
    visitor_id: 'visitor-1',
    user_id: null,
    event_type: 'page_view',
    page: '/home',
    hostname: 'example.com',
    timestamp: now,
    received_at: now,
    session_id: null,
    referrer: null,
    referrer_host: null,
    title: null,
    properties: null,
    element: null,
    scroll_depth: null,
    screen_width: null,
    screen_height: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_content: null,
    utm_term: null,
    browser_version: null,
    os_version: null,
    country: null,
    region: null,
    city: null,
    browser: 'Firefox',
    os: 'Linux',
    device: 'desktop',
    ip_prefix: '127.0.0.0',
    is_bot: false,
    ...overrides,
  };
}

/** Polls `probe` until it returns a value accepted by `done`, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}
