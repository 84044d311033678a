import { randomUUID } from 'node:crypto';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const PAGES = ['/home', '/pricing', '/blog/post-1', '/docs'];

function pageView(i: number): Record<string, unknown> {
  return {
    user_id: `visitor-${i % 50}`,
    page_url: PAGES[i % PAGES.length],
    event_type: i % 5 === 0 ? 'click' : 'page_view',
    user_agent: BROWSER,
  };
}

async function send(url: string, init?: RequestInit): Promise<number> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response.status;
}

const post = (url: string, body: unknown) =>
  send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/**
 * What a real site and its operators do, in one round: single events, a batch with a few bad
 * events (so rejections have series), REST and GraphQL queries (one of them invalid), readiness.
 */
async function round(base: string, i: number): Promise<number[]> {
  const batch = Array.from({ length: 20 }, (_, k) => pageView(i * 20 + k));
  batch.push(
    { page_url: 'no-slash', event_type: 'page_view' },
    { page_url: '/x', event_type: '1bad' },
  );
  return Promise.all([
    post(`${base}/track`, { ...pageView(i), event_id: randomUUID() }),
    post(`${base}/track/batch`, { events: batch }),
    send(`${base}/analytics/page-views/home`),
    send(`${base}/analytics/top-pages?limit=5`),
    send(`${base}/analytics/timeseries?interval=bogus`),
    post(`${base}/graphql`, { query: '{ pageViews(pageURL: "/home") }' }),
    post(`${base}/graphql`, {
      query: '{ topPages(limit: 3) { page pageviews } eventCounts { eventType events } }',
    }),
    send(`${base}/readyz`),
  ]);
}

/** Sends rounds back to back, `concurrency` at a time, for `seconds` (and at most `maxRounds`). */
export async function generateTraffic(
  base: string,
  options: { seconds: number; concurrency: number; maxRounds: number },
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const deadline = Date.now() + options.seconds * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline && next < options.maxRounds) {
      for (const status of await round(base, next++))
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return statuses;
}
