import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bundleTracker } from '../../tracker/build.js';
import { createSender, type OutgoingEvent, type Transport } from '../../tracker/src/sender.js';
import { privacySignal, randomId, readSettings, visitorId } from '../../tracker/src/settings.js';

const BUDGET_BYTES = 2048;

describe('tracker bundle', () => {
  it(`stays within ${BUDGET_BYTES} bytes gzipped`, async () => {
    const code = await bundleTracker();
    const gzipped = gzipSync(code, { level: 9 }).length;
    expect(code.length).toBeGreaterThan(1000);
    expect(gzipped, `tracker.js is ${gzipped} bytes gzipped`).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});

describe('tracker sender', () => {
  let posts: Array<{ url: string; body: any; init: RequestInit }>;
  let beacons: Array<{ url: string; body: any }>;
  let answers: Array<number | 'network-error'>;
  let beaconAccepts: boolean;
  const transport: Transport = {
    fetch: (url, init) => {
      posts.push({ url, init, body: JSON.parse(init.body as string) });
      const answer = answers.shift() ?? 202;
      return answer === 'network-error'
        ? Promise.reject(new TypeError('Failed to fetch'))
        : Promise.resolve({ status: answer });
    },
    beacon: (url, body) => {
      if (beaconAccepts) beacons.push({ url, body: JSON.parse(body) });
      return beaconAccepts;
    },
    setTimeout: (run, ms) => setTimeout(run, ms),
  };
  const options = {
    url: 'https://a.example/track/batch',
    flushMs: 1000,
    maxBatch: 3,
    maxQueue: 5,
    maxAttempts: 3,
  };
  const event = (n: number): OutgoingEvent => ({
    event_type: 'click',
    page_url: `/p${n}`,
    event_id: `event-${n}-xxxxxxxx`,
  });

  beforeEach(() => {
    vi.useFakeTimers();
    posts = [];
    beacons = [];
    answers = [];
    beaconAccepts = true;
  });
  afterEach(() => vi.useRealTimers());

  it('batches events that arrive together into one text/plain POST with keepalive', async () => {
    const sender = createSender(transport, options);
    sender.add(event(1));
    sender.add(event(2));
    expect(posts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.url).toBe(options.url);
    expect(posts[0]!.body.events.map((e: OutgoingEvent) => e.page_url)).toEqual(['/p1', '/p2']);
    expect(posts[0]!.init).toMatchObject({
      method: 'POST',
      keepalive: true,
      credentials: 'omit',
      headers: { 'Content-Type': 'text/plain' },
    });
  });

  it('sends at once when a batch is full', async () => {
    const sender = createSender(transport, options);
    for (let i = 0; i < 3; i++) sender.add(event(i));
    expect(posts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(posts).toHaveLength(1);
  });

  it('retries 5xx, 429 and network errors with growing delays and the same event ids', async () => {
    answers = [503, 'network-error', 202];
    const sender = createSender(transport, { ...options, maxAttempts: 5 });
    sender.add(event(1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(900); // first back-off: 2 s × [0.5, 1)
    expect(posts.length).toBeLessThanOrEqual(1);
    await vi.advanceTimersByTimeAsync(1100);
    expect(posts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(4000);
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.body.events[0].event_id))).toEqual(
      new Set(['event-1-xxxxxxxx']),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(posts).toHaveLength(3);
  });

  it('does not retry events the server refused (4xx) and gives up after maxAttempts', async () => {
    answers = [400];
    const sender = createSender(transport, options);
    sender.add(event(1));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(posts).toHaveLength(1);

    answers = [500, 500, 500, 500];
    sender.add(event(2));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(posts).toHaveLength(1 + options.maxAttempts);
  });

  it('hands the queue to sendBeacon when the page is hidden, and falls back to fetch keepalive', async () => {
    const sender = createSender(transport, options);
    for (let i = 0; i < 5; i++) sender.add(event(i)); // the first 3 went out at once, with keepalive
    beaconAccepts = true;
    sender.flushAll();
    // Not the batch in flight: the browser completes a keepalive request, sending it twice would duplicate it.
    expect(beacons.flatMap((b) => b.body.events.map((e: OutgoingEvent) => e.page_url))).toEqual([
      '/p3',
      '/p4',
    ]);
    expect(posts.map((p) => p.body.events.length)).toEqual([3]);

    beaconAccepts = false;
    sender.add(event(9));
    sender.flushAll();
    expect(posts.at(-1)!.body.events.map((e: OutgoingEvent) => e.page_url)).toEqual(['/p9']);
    expect(posts.at(-1)!.init.keepalive).toBe(true);
  });

  it('keeps at most maxQueue events, dropping the oldest', async () => {
    answers = ['network-error'];
    const sender = createSender(transport, { ...options, maxBatch: 100 });
    for (let i = 0; i < 8; i++) sender.add(event(i));
    sender.flushAll();
    expect(beacons[0]!.body.events.map((e: OutgoingEvent) => e.page_url)).toEqual([
      '/p3',
      '/p4',
      '/p5',
      '/p6',
      '/p7',
    ]);
  });
});

describe('tracker settings', () => {
  const script = (
    attributes: Record<string, string>,
    src = 'https://stats.example.com/tracker.js',
  ) => ({
    src,
    getAttribute: (name: string) => attributes[name] ?? null,
  });

  it('defaults the endpoint to where the script came from and captures everything', () => {
    expect(readSettings(script({ 'data-site': 'shop' }), 'https://shop.example/cart')).toEqual({
      endpoint: 'https://stats.example.com',
      site: 'shop',
      cookieless: false,
      respectDnt: false,
      clicks: true,
      scroll: true,
      spa: true,
    });
  });

  it('reads data- options', () => {
    const settings = readSettings(
      script({
        'data-endpoint': 'https://in.example/',
        'data-cookieless': '',
        'data-respect-dnt': 'true',
        'data-clicks': 'false',
        'data-spa': 'false',
      }),
      'https://shop.example/',
    );
    expect(settings).toMatchObject({
      endpoint: 'https://in.example',
      cookieless: true,
      respectDnt: true,
      clicks: false,
      scroll: true,
      spa: false,
    });
    expect(readSettings(null, 'https://shop.example/a').endpoint).toBe('https://shop.example');
  });

  it('sees Do Not Track and Global Privacy Control', () => {
    expect(privacySignal({ doNotTrack: '1' }, {})).toBe(true);
    expect(privacySignal({ doNotTrack: null }, { doNotTrack: '1' })).toBe(true);
    expect(privacySignal({ globalPrivacyControl: true }, {})).toBe(true);
    expect(privacySignal({ doNotTrack: '0', globalPrivacyControl: false }, {})).toBe(false);
  });

  it('keeps one random visitor id, and runs cookieless when storage is unavailable', () => {
    const values = new Map<string, string>();
    const storage = {
      getItem: (k: string) => values.get(k) ?? null,
      setItem: (k: string, v: string) => void values.set(k, v),
    };
    const first = visitorId(() => storage, randomId);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(visitorId(() => storage, randomId)).toBe(first);
    expect(
      visitorId(() => {
        throw new Error('SecurityError');
      }, randomId),
    ).toBeUndefined();
    expect(randomId()).not.toBe(randomId());
  });
});
