import { BloomFilter, bloomDigest, type BloomDigest } from './bloom-filter.js';

/**
 * Recently stored event ids, to spot a client's retry without reading the store for every event
 * (Segment's exactly-once pipeline keeps such a window in RocksDB). A Bloom filter per hour of
 * arrival (`received_at`) answers "maybe seen" or "certainly new"; only a "maybe" needs the store's
 * exact check. Hours older than the window are dropped, so a retry that comes more than the window
 * after the first copy counts again: the window is the promise (README, Reliability).
 *
 * Memory: filters hold `perFilter` ids each (a new one starts when one is full) at a false-positive
 * rate of 1e-6 per filter: 28.8 bits an id, about 3.6 MB per million ids in the window. A lookup
 * hashes the id once (MD5) and probes every filter of the window with that digest.
 */
export const DEDUPE_FALSE_POSITIVE_RATE = 1e-6;
const HOUR_MS = 3_600_000;

export class DedupeWindow {
  private readonly hours = new Map<number, BloomFilter[]>();
  private newest = -Infinity;

  constructor(
    readonly windowMs: number,
    private readonly perFilter = 50_000,
  ) {}

  /** Whether an id may have been stored in the window (false: certainly not). */
  mayContain(eventId: string | BloomDigest): boolean {
    const digest = typeof eventId === 'string' ? bloomDigest(eventId) : eventId;
    for (const filters of this.hours.values())
      for (const f of filters) if (f.mayContainDigest(digest)) return true;
    return false;
  }

  /** Records a stored id (call only after its commit is durable); a digest from `mayContain`'s caller saves a second hash. */
  add(eventId: string | BloomDigest, receivedAt: number): void {
    const hour = Math.floor(receivedAt / HOUR_MS) * HOUR_MS;
    if (hour + HOUR_MS <= this.newest - this.windowMs) return;
    let filters = this.hours.get(hour);
    if (!filters) this.hours.set(hour, (filters = []));
    let current = filters.at(-1);
    if (!current || current.items >= current.capacity)
      filters.push((current = new BloomFilter(this.perFilter, DEDUPE_FALSE_POSITIVE_RATE)));
    current.addDigest(typeof eventId === 'string' ? bloomDigest(eventId) : eventId);
    if (receivedAt > this.newest) {
      this.newest = receivedAt;
      for (const h of this.hours.keys())
        if (h + HOUR_MS <= this.newest - this.windowMs) this.hours.delete(h);
    }
  }

  /** The earliest arrival time the window still covers. */
  get start(): number {
    return this.newest - this.windowMs;
  }

  get bytes(): number {
    let total = 0;
    for (const filters of this.hours.values()) for (const f of filters) total += f.bytes;
    return total;
  }
}
