import type { TrackedEvent } from './tracked-event.js';

/** Property values as the strings queries compare (`true`, `12.5`); null values are left out. */
export function propertyStrings(
  properties: TrackedEvent['properties'],
): Array<{ key: string; value: string }> {
  if (!properties) return [];
  const entries: Array<{ key: string; value: string }> = [];
  for (const [key, value] of Object.entries(properties)) {
    if (typeof value === 'string') entries.push({ key, value });
    else if (typeof value === 'number' || typeof value === 'boolean')
      entries.push({ key, value: String(value) });
    else if (value !== null && value !== undefined)
      entries.push({ key, value: JSON.stringify(value) });
  }
  return entries;
}
