/** How one installation of the tracker behaves, read from its <script data-…> attributes. */
export interface TrackerSettings {
  /** Where the events go: `${endpoint}/track/batch`. */
  endpoint: string;
  site: string | undefined;
  /** No visitor id is stored; the server derives a daily visitor hash instead. */
  cookieless: boolean;
  /** Send nothing when the browser says Do Not Track or Global Privacy Control. */
  respectDnt: boolean;
  clicks: boolean;
  scroll: boolean;
  spa: boolean;
}

/** The parts of the <script> element read here (structural, so tests need no DOM). */
export interface ScriptTag {
  src: string;
  getAttribute(name: string): string | null;
}

/**
 * `data-endpoint` defaults to the origin the script was loaded from, so the one-line install
 * works without it. Capture options are on unless set to "false"; privacy options are off
 * unless present (any value but "false").
 */
export function readSettings(script: ScriptTag | null, pageUrl: string): TrackerSettings {
  const attr = (name: string): string | undefined =>
    script?.getAttribute('data-' + name) ?? undefined;
  const on = (name: string): boolean => attr(name) !== 'false';
  const optIn = (name: string): boolean => {
    const value = attr(name);
    return value !== undefined && value !== 'false';
  };
  const source = new URL(script?.src || pageUrl, pageUrl).origin;
  return {
    endpoint: (attr('endpoint') ?? source).replace(/\/+$/, ''),
    site: attr('site'),
    cookieless: optIn('cookieless'),
    respectDnt: optIn('respect-dnt'),
    clicks: on('clicks'),
    scroll: on('scroll'),
    spa: on('spa'),
  };
}

/** Do Not Track (navigator's, or window's in old Safari and Edge) or Global Privacy Control. */
export function privacySignal(
  nav: { doNotTrack?: string | null; globalPrivacyControl?: boolean },
  win: { doNotTrack?: string | null },
): boolean {
  const dnt = nav.doNotTrack ?? win.doNotTrack;
  return dnt === '1' || nav.globalPrivacyControl === true;
}

const VISITOR_KEY = 'clickstream.vid';

/**
 * A random first-party id kept in localStorage (no cookie). When storage is unavailable (private
 * modes, blocked storage) the tracker runs cookieless rather than invent an id per page, which
 * would count every page as a new visitor.
 */
export function visitorId(
  storage: () => { getItem(key: string): string | null; setItem(key: string, value: string): void },
  random: () => string,
): string | undefined {
  try {
    const store = storage();
    let id = store.getItem(VISITOR_KEY);
    if (!id) {
      id = random();
      store.setItem(VISITOR_KEY, id);
    }
    return id;
  } catch {
    return undefined;
  }
}

/** 32 hex characters from the platform's CSPRNG (works outside secure contexts too). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}
