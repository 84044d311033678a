/** Number and time formatting for the dashboard; short labels so cards stay readable at any volume. */
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en');

/** 1234 → "1,234"; 1234567 → "1.2M" (exact below 100,000). */
export function count(value: number): string {
  return Math.abs(value) < 100_000 ? whole.format(value) : compact.format(value);
}

export function rate(value: number): string {
  return value < 10 ? value.toFixed(1) : count(Math.round(value));
}

/** A percentage the API gives as a number of percent (38 → "38 %"). */
export function percent(value: number): string {
  return `${Math.round(value * 10) / 10} %`;
}

/** Seconds → "1m 35s". */
export function seconds(value: number): string {
  const s = Math.round(value);
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m ${s % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** The change from `before` to `now` in percent, or null when there is nothing to compare with. */
export function change(now: number, before: number): number | null {
  if (before === 0) return now === 0 ? 0 : null;
  return Math.round(((now - before) / before) * 1000) / 10;
}

export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour12: false });
}

/** Keeps the start and the end of a long label ("/blog/2026/…/final-part"), the parts people recognise. */
export function shorten(label: string, max = 40): string {
  if (label.length <= max) return label;
  // The end of a long path (its slug, its part number) tells pages apart more than the middle.
  const head = Math.ceil((max - 1) * 0.45);
  return `${label.slice(0, head)}…${label.slice(label.length - (max - 1 - head))}`;
}

const regions = new Intl.DisplayNames(['en'], { type: 'region' });

/** "DE" → "🇩🇪 Germany"; "(none)" stays as it is. */
export function country(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return code === '(none)' ? 'Unknown' : code;
  const flag = String.fromCodePoint(...[...code].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
  let name = code;
  try {
    name = regions.of(code) ?? code;
  } catch {
    name = code;
  }
  return `${flag} ${name}`;
}
