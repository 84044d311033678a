/** Sends one event of the given type with the fields that describe it. */
export type Emit = (eventType: string, fields?: Record<string, unknown>) => void;

/** Things a click may be about; a click elsewhere (text, blank space) is not worth an event. */
const CLICKABLE =
  'a,button,[role=button],[role=link],input[type=submit],input[type=button],[data-cs-event]';
const MILESTONES = [25, 50, 75, 100];

/** The URL that identifies a page view: no fragment, so in-page anchors are not new views. */
export const currentUrl = (): string => location.origin + location.pathname + location.search;

/**
 * Page views: the first one now, then one per URL change through the History API (single-page
 * apps) and back/forward. replaceState that keeps the URL (state updates) is not a new view.
 */
export function capturePageViews(emit: Emit, spa: boolean, onView: () => void): void {
  let last = '';
  const view = (first: boolean): void => {
    const url = currentUrl();
    if (url === last) return;
    last = url;
    onView();
    const referrer =
      first && document.referrer && !document.referrer.startsWith(location.origin)
        ? document.referrer
        : undefined;
    emit('page_view', {
      referrer,
      title: document.title.slice(0, 512) || undefined,
      screen: { width: screen.width, height: screen.height },
    });
  };
  view(true);
  if (!spa) return;
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = history[name].bind(history);
    history[name] = (...args: Parameters<History['pushState']>) => {
      const result = original(...args);
      // Routers often set the title just after navigating; let them finish first.
      setTimeout(() => view(false), 0);
      return result;
    };
  }
  addEventListener('popstate', () => view(false));
}

/** Clicks on links, buttons and elements marked data-cs-event="name" (sent as that custom event). */
export function captureClicks(emit: Emit, onLink: () => void): void {
  document.addEventListener(
    'click',
    (event) => {
      const target = event.target instanceof Element ? event.target.closest(CLICKABLE) : null;
      if (!target) return;
      const href = target instanceof HTMLAnchorElement ? target.href.slice(0, 2048) : undefined;
      const element = {
        tag: target.tagName.toLowerCase().slice(0, 32),
        id: target.id.slice(0, 256) || undefined,
        classes: (target.getAttribute('class') ?? '').slice(0, 512) || undefined,
        // textContent, not innerText: reading it forces no layout. Form values are never read.
        text: (target.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 200) || undefined,
        href,
      };
      const custom = target.getAttribute('data-cs-event');
      emit(custom || 'click', { element, properties: custom ? dataProperties(target) : undefined });
      // A link usually leaves the page: hand the events to the browser before it does.
      if (href) onLink();
    },
    true,
  );
}

/** data-cs-prop-plan="pro" → { plan: "pro" } */
function dataProperties(element: Element): Record<string, string> | undefined {
  const props: Record<string, string> = {};
  let any = false;
  for (const attribute of Array.from(element.attributes)) {
    if (attribute.name.startsWith('data-cs-prop-')) {
      props[attribute.name.slice(13)] = attribute.value.slice(0, 512);
      any = true;
    }
  }
  return any ? props : undefined;
}

/** Scroll depth milestones, each at most once per page view; `reset` starts a new page view. */
export function captureScroll(emit: Emit): () => void {
  let sent = 0;
  let pending = false;
  const check = (): void => {
    pending = false;
    const height = document.documentElement.scrollHeight;
    const depth = height > 0 ? ((scrollY + innerHeight) / height) * 100 : 100;
    for (const milestone of MILESTONES) {
      // 1 % of slack: the last pixel is often unreachable (rounding, zoom).
      if (milestone > sent && depth >= milestone - 1) {
        sent = milestone;
        emit('scroll', { scroll_depth: milestone });
      }
    }
  };
  addEventListener(
    'scroll',
    () => {
      if (pending) return;
      pending = true;
      setTimeout(check, 100);
    },
    { passive: true },
  );
  return () => {
    sent = 0;
  };
}
