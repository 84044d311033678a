import {
  captureClicks,
  capturePageViews,
  captureScroll,
  currentUrl,
  type Emit,
} from './capture.js';
import { createSender } from './sender.js';
import { privacySignal, randomId, readSettings, visitorId } from './settings.js';

type Track = (name: string, properties?: Record<string, unknown>) => void;
interface Api {
  track: Track;
  /** Calls made before the script loaded: `window.clickstream = { q: [] }`, `q.push([name, props])`. */
  q?: Array<[string, Record<string, unknown>?]>;
}
declare global {
  interface Window {
    clickstream?: Api;
  }
}

/** Runs `action`, swallowing any error: the tracker must never break the page it measures. */
const safe =
  <A extends unknown[]>(action: (...args: A) => void) =>
  (...args: A): void => {
    try {
      action(...args);
    } catch {
      // Nothing to do: analytics is best effort, the host page is not.
    }
  };

function start(): void {
  const settings = readSettings(document.currentScript as HTMLScriptElement | null, location.href);
  const queued = window.clickstream?.q ?? [];
  const api: Api = { track: () => undefined };
  window.clickstream = api;
  if (settings.respectDnt && privacySignal(navigator, window as { doNotTrack?: string })) return;

  const userId = settings.cookieless ? undefined : visitorId(() => localStorage, randomId);
  const sender = createSender(
    {
      fetch: (url, init) => fetch(url, init),
      beacon: (url, body) =>
        typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(url, body),
      setTimeout: (run, ms) => setTimeout(safe(run), ms),
    },
    {
      url: settings.endpoint + '/track/batch',
      flushMs: 1000,
      maxBatch: 20,
      maxQueue: 500,
      maxAttempts: 6,
    },
  );

  const emit: Emit = safe((eventType, fields = {}) => {
    const event: Record<string, unknown> = {
      event_type: eventType,
      page_url: currentUrl(),
      event_id: randomId(),
      site_id: settings.site,
      user_id: userId,
    };
    for (const key in fields) event[key] = fields[key];
    // undefined fields vanish in JSON; nulls would be refused, so none are sent.
    sender.add(event as { event_type: string; page_url: string; event_id: string });
  });
  api.track = safe((name: string, properties?: Record<string, unknown>) =>
    emit(String(name), { properties }),
  );

  const flush = safe(() => sender.flushAll());
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flush();
  });
  const resetScroll = settings.scroll ? captureScroll(emit) : () => undefined;
  capturePageViews(emit, settings.spa, resetScroll);
  if (settings.clicks) captureClicks(emit, flush);
  for (const [name, properties] of queued) api.track(name, properties);
}

safe(start)();
