import { HyperLogLog } from '../../domain/hyperloglog.js';

/**
 * The shard of events_by_site a visitor's events live in: their HyperLogLog register's top four
 * bits (16 shards of 1,024 registers, as the embedded store's event tables).
 */
export const SITE_SHARDS = 16;
const SHARD_BITS = 10;

export function shardOf(visitorId: string): number {
  return HyperLogLog.position(visitorId).index >> SHARD_BITS;
}

export const allShards = (): number[] => Array.from({ length: SITE_SHARDS }, (_, n) => n);
