import type { Random } from './random.js';

export type EventBody = Record<string, unknown>;

/**
 * Ways a buggy client breaks an event, each one the server must refuse (400 INVALID_EVENT for
 * POST /track, a `rejected` entry in a batch). Every fault breaks exactly one rule, so a
 * rejection proves that rule is enforced.
 */
const FAULTS: ReadonlyArray<{ name: string; apply: (body: EventBody, now: number) => void }> = [
  { name: 'missing page_url', apply: (b) => void delete b.page_url },
  { name: 'unknown field', apply: (b) => void (b.pageurl = b.page_url) },
  { name: 'bad event_type', apply: (b) => void (b.event_type = '9 lives') },
  {
    name: 'scroll_depth out of range',
    apply: (b) => void Object.assign(b, { event_type: 'scroll', scroll_depth: 101 }),
  },
  { name: 'timestamp in the future', apply: (b, now) => void (b.timestamp = now + 86_400_000) },
  { name: 'relative page_url', apply: (b) => void (b.page_url = 'home') },
  { name: 'bad site_id', apply: (b) => void (b.site_id = 'Not A Site') },
  {
    name: 'too many properties',
    apply: (b) =>
      void (b.properties = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, i]))),
  },
];

/** Breaks a good event in place with a randomly chosen fault and returns the fault's name. */
export function corruptEvent(body: EventBody, now: number, random: Random): string {
  const fault = random.pick(FAULTS);
  fault.apply(body, now);
  return fault.name;
}
