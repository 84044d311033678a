import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postJson } from '../support/server-process.js';

/**
 * What the browser test runs against: a small demo shop on its own loopback origin (so the
 * tracker posts cross-origin, through CORS, as on a real site) and a day of seeded traffic so the
 * dashboard is shown with realistic volume: dozens of pages, long labels, several browsers.
 */

export const DEMO_SITE = 'demo-site';

const demoPage = (clickstreamUrl: string): string => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Demo shop</title>
  <link rel="icon" href="data:,">
  <script defer src="${clickstreamUrl}/tracker.js" data-site="${DEMO_SITE}"></script>
</head>
<body style="margin:0;font-family:sans-serif">
  <nav style="padding:12px"><a id="nav-pricing" href="/demo/pricing">Pricing</a> · <a id="outbound" href="https://example.org/docs">Docs</a></nav>
  <button id="buy" class="btn primary">  Buy   now </button>
  <button id="signup" data-cs-event="signup" data-cs-prop-plan="pro">Sign up</button>
  <div style="height:4000px;background:linear-gradient(#fff,#eef)">A long page to scroll.</div>
  <footer>The end.</footer>
  <script>
    // A single-page app's router: the URL changes through the History API, the page stays.
    document.getElementById('nav-pricing').addEventListener('click', function (e) {
      e.preventDefault();
      history.pushState({}, '', '/demo/pricing');
      document.title = 'Pricing · Demo shop';
    });
    document.getElementById('outbound').addEventListener('click', function (e) { e.preventDefault(); });
  </script>
</body>
</html>`;

/** The demo shop at http://127.0.0.1:<port>/demo (and /demo/pricing). */
export async function startDemoSite(
  clickstreamUrl: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith('/demo')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(demoPage(clickstreamUrl));
    } else {
      response.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
];
const REFERRERS = [
  'https://www.google.com/',
  'https://www.google.com/',
  'https://news.ycombinator.com/item?id=1',
  'https://github.com/',
  '',
  '',
  'https://duckduckgo.com/',
  'https://a-very-long-partner-domain-name-for-testing.example.co.uk/path',
];
const SECTIONS = ['blog', 'docs', 'pricing', 'features', 'changelog'];
const pageOf = (i: number): string => {
  if (i % 17 === 0)
    return `/blog/2026/11/how-we-process-a-billion-clickstream-events-a-day-with-kafka-and-cassandra-part-${i % 3}`;
  return i % 5 === 0
    ? '/'
    : `/${SECTIONS[i % SECTIONS.length]}/${['intro', 'getting-started', 'api', 'faq', 'launch'][i % 5]}`;
};

/** Deterministic pseudo-random numbers, so the seeded day looks the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/** A day of traffic: visits of a few events each, denser in the afternoon, none in the last 10 minutes. */
/** Public addresses in a few countries, so the locations card has something to show. */
const ADDRESSES = [
  '8.8.8.8',
  '81.2.69.142',
  '89.160.20.112',
  '2.125.160.216',
  '216.160.83.56',
  '175.16.199.1',
  '46.4.0.1',
  '1.1.1.1',
  '200.160.2.3',
];

export async function seedDay(clickstreamUrl: string, visits = 320): Promise<number> {
  const rand = random(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const now = Date.now();
  const events = [];
  for (let v = 0; v < visits; v++) {
    const start =
      now -
      600_000 -
      23.3 * 3_600_000 * Math.sqrt(rand()) * (0.55 + 0.45 * Math.abs(Math.sin(v / 7)));
    const visitor = `seed-visitor-${Math.floor(rand() * 240)}`;
    const common = {
      site_id: DEMO_SITE,
      user_id: visitor,
      user_agent: pick(AGENTS),
      ip_address: pick(ADDRESSES),
    };
    const utm = v % 9 === 0 ? '?utm_source=newsletter&utm_campaign=launch' : '';
    const length = 1 + Math.floor(rand() * rand() * 9);
    for (let i = 0; i < length; i++) {
      const page = `https://shop.example${pageOf(Math.floor(rand() * 60))}${i === 0 ? utm : ''}`;
      const timestamp = Math.round(start + i * 40_000 * (1 + rand()));
      const kind = i === 0 ? 0 : rand();
      const type =
        kind < 0.55
          ? 'page_view'
          : kind < 0.75
            ? 'click'
            : kind < 0.9
              ? 'scroll'
              : kind < 0.96
                ? 'signup'
                : 'add_to_cart';
      events.push({
        ...common,
        page_url: page,
        event_type: type,
        timestamp,
        ...(i === 0 && pick(REFERRERS) ? { referrer: pick(REFERRERS) || undefined } : {}),
        ...(type === 'scroll' ? { scroll_depth: 25 * (1 + Math.floor(rand() * 4)) } : {}),
        ...(type === 'click' ? { element: { tag: 'a', text: 'Read more', href: page } } : {}),
      });
    }
  }
  let accepted = 0;
  for (let i = 0; i < events.length; i += 500) {
    const answer = await postJson(`${clickstreamUrl}/track/batch`, {
      events: events.slice(i, i + 500),
    });
    accepted += Number(answer.body?.accepted ?? 0);
  }
  return accepted;
}
