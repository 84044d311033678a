/** One event as POST /track/batch takes it (see docs/api.md, "Sending events"). */
export interface OutgoingEvent {
  event_type: string;
  page_url: string;
  event_id: string;
  [field: string]: unknown;
}

/** What the sender needs from the browser; tests pass fakes. */
export interface Transport {
  fetch(url: string, init: RequestInit): Promise<{ status: number }>;
  /** navigator.sendBeacon; false when the browser refused to queue the body. */
  beacon(url: string, body: string): boolean;
  setTimeout(run: () => void, ms: number): unknown;
}

export interface SenderOptions {
  url: string;
  /** How long events wait to be batched with the next ones. */
  flushMs: number;
  maxBatch: number;
  /** Oldest events are dropped past this, e.g. during a long outage. */
  maxQueue: number;
  maxAttempts: number;
}

export interface Sender {
  add(event: OutgoingEvent): void;
  /** Hands every queued event to the browser now, to be sent even while the page unloads. */
  flushAll(): void;
}

/**
 * Batches events to /track/batch. Every event carries a client event_id, so a batch sent twice
 * (a retry after an answer that was lost) is counted once.
 * Bodies are text/plain: a "simple" CORS request, so no preflight round trip.
 */
export function createSender(transport: Transport, options: SenderOptions): Sender {
  let queue: OutgoingEvent[] = [];
  /** The batch of the request in flight; it stays queued until answered, for a retry. */
  let inFlight: OutgoingEvent[] = [];
  let scheduled = false;
  let attempt = 0;
  const post = (body: string): Promise<{ status: number }> =>
    transport.fetch(options.url, {
      method: 'POST',
      body,
      keepalive: true,
      credentials: 'omit',
      headers: { 'Content-Type': 'text/plain' },
    });

  const schedule = (ms: number): void => {
    if (scheduled) return;
    scheduled = true;
    transport.setTimeout(() => {
      scheduled = false;
      send();
    }, ms);
  };

  const send = (): void => {
    if (inFlight.length > 0 || queue.length === 0) return;
    const batch = (inFlight = queue.slice(0, options.maxBatch));
    const done = (failed: boolean): void => {
      inFlight = [];
      if (failed && ++attempt < options.maxAttempts) {
        // Exponential back-off with jitter, so a recovering server is not hit by every page at once.
        schedule(Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2));
        return;
      }
      attempt = 0;
      queue = queue.filter((event) => !batch.includes(event));
      if (queue.length > 0) schedule(0);
    };
    // 4xx answers are final (the events are invalid); 429 and 5xx are worth another try.
    post(JSON.stringify({ events: batch })).then(
      (r) => done(r.status === 429 || r.status >= 500),
      () => done(true),
    );
  };

  return {
    add(event) {
      queue.push(event);
      if (queue.length > options.maxQueue) queue.shift();
      if (queue.length >= options.maxBatch) send();
      else schedule(options.flushMs);
    },
    flushAll() {
      // A request in flight is a keepalive one: the browser finishes it even if the page goes.
      const rest = queue.filter((event) => !inFlight.includes(event));
      queue = queue.filter((event) => inFlight.includes(event));
      while (rest.length > 0) {
        const body = JSON.stringify({ events: rest.splice(0, options.maxBatch) });
        if (!transport.beacon(options.url, body)) post(body).catch(() => undefined);
      }
    },
  };
}
