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

export function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10} %`;
}

/** 95000 → "1m 35s" */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
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
