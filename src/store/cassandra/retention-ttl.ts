/** Cassandra's largest TTL: 20 years. */
const MAX_TTL_SECONDS = 630_720_000;

/**
 * The TTL (seconds) that makes a row expire `retentionMs` after the time it describes, not after
 * it was written: an event that arrives a day late still goes when its day leaves retention.
 * 0 means no TTL. Something already past retention gets one second, as the embedded store keeps
 * it until its next sweep.
 */
export function ttlSeconds(time: number, retentionMs: number, now: number): number {
  if (retentionMs <= 0) return 0;
  const seconds = Math.ceil((time + retentionMs - now) / 1000);
  return Math.min(MAX_TTL_SECONDS, Math.max(1, seconds));
}
