import type { BloomDigest } from '../../domain/bloom-filter.js';
import { DedupeWindow } from '../../domain/dedupe-window.js';
import type { Statements } from './cassandra-statements.js';
import { bytesOf, numberOf } from './cassandra-values.js';
import type { CqlSession, Statement } from './cql-session.js';

const HOUR_MS = 3_600_000;
/** Bytes a digest takes in a row: its two 32-bit halves. */
const DIGEST_BYTES = 8;

/**
 * The dedupe window of one log partition, kept in Cassandra as the digests of the ids each commit
 * stored (table recent_ids, one row per commit and hour of arrival) so that the processor assigned
 * the partition rebuilds it in one read per hour of the window, 8 bytes an id, rather than
 * reading events_by_id once per event from then on.
 */
export function createDedupeDigests(cql: CqlSession, st: Statements, windowMs: number) {
  return {
    /** The window as the partition's earlier commits left it, up to `now`. */
    async restore(partition: number, now: number): Promise<DedupeWindow> {
      const window = new DedupeWindow(windowMs);
      const first = Math.floor((now - windowMs) / HOUR_MS) * HOUR_MS;
      const hours: number[] = [];
      for (let hour = first; hour <= now; hour += HOUR_MS) hours.push(hour);
      const perHour = await cql.map(hours, (hour) =>
        cql.rows(st.recentIds, [partition, new Date(hour)]),
      );
      for (const row of perHour.flat()) {
        const at = numberOf(row.get('received_at'));
        for (const digest of digestsOf(bytesOf(row.get('digests')))) window.add(digest, at);
      }
      return window;
    },

    /** One row per hour of arrival that the commit's ids fall in; they expire with the window. */
    statements(
      partition: number,
      nextOffset: number,
      stored: ReadonlyArray<{ digest: BloomDigest; receivedAt: number }>,
    ): Statement[] {
      const byHour = new Map<number, { digests: BloomDigest[]; newest: number }>();
      for (const { digest, receivedAt } of stored) {
        const hour = Math.floor(receivedAt / HOUR_MS) * HOUR_MS;
        const group = byHour.get(hour);
        if (group) {
          group.digests.push(digest);
          group.newest = Math.max(group.newest, receivedAt);
        } else byHour.set(hour, { digests: [digest], newest: receivedAt });
      }
      const ttl = Math.ceil((windowMs + HOUR_MS) / 1000);
      return [...byHour].map(([hour, { digests, newest }]) => ({
        query: st.insertRecentIds,
        params: [
          partition,
          new Date(hour),
          nextOffset,
          new Date(newest),
          bytesOfDigests(digests),
          ttl,
        ],
      }));
    },
  };
}

export type DedupeDigests = ReturnType<typeof createDedupeDigests>;

function bytesOfDigests(digests: readonly BloomDigest[]): Buffer {
  const bytes = Buffer.allocUnsafe(digests.length * DIGEST_BYTES);
  digests.forEach(([h1, h2], i) => {
    bytes.writeUInt32LE(h1, i * DIGEST_BYTES);
    bytes.writeUInt32LE(h2, i * DIGEST_BYTES + 4);
  });
  return bytes;
}

function* digestsOf(bytes: Uint8Array | null): Iterable<BloomDigest> {
  if (!bytes) return;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + DIGEST_BYTES <= view.length; at += DIGEST_BYTES)
    yield [view.readUInt32LE(at), view.readUInt32LE(at + 4)];
}
