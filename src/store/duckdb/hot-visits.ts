import type { Visit } from '../../domain/visits.js';

/**
 * The visits that may still change, in memory, so a commit finds the visits its events join
 * without a query. It holds every stored visit whose last event is at or after `coveredFrom` (the
 * store's `visits_hot` table, loaded on open); a batch whose events lie further back than that
 * reads the tables instead. Only committed state goes in: after a failed commit the cache is
 * dropped and loaded again.
 */
export class HotVisits {
  private readonly byVisitor = new Map<string, Visit[]>();

  constructor(public coveredFrom: number) {}

  static keyOf(siteId: string, visitorKey: bigint): string {
    return `${siteId}\u0000${visitorKey.toString(36)}`;
  }

  /** Whether the visits near [from, …] are all here. */
  covers(from: number): boolean {
    return from >= this.coveredFrom;
  }

  near(key: string, from: number, to: number): Visit[] {
    return (this.byVisitor.get(key) ?? []).filter((v) => v.last.ts >= from && v.first.ts <= to);
  }

  put(key: string, visit: Visit): void {
    const list = (this.byVisitor.get(key) ?? []).filter((v) => v.visitId !== visit.visitId);
    if (visit.last.ts >= this.coveredFrom) list.push(visit);
    if (list.length > 0) this.byVisitor.set(key, list);
    else this.byVisitor.delete(key);
  }

  remove(key: string, visitId: string): void {
    const list = (this.byVisitor.get(key) ?? []).filter((v) => v.visitId !== visitId);
    if (list.length > 0) this.byVisitor.set(key, list);
    else this.byVisitor.delete(key);
  }

  /** Forgets visits that ended before `before`: they have cooled down into the `visits` table. */
  cool(before: number): void {
    this.coveredFrom = before;
    for (const [key, visits] of this.byVisitor) {
      const kept = visits.filter((v) => v.last.ts >= before);
      if (kept.length === 0) this.byVisitor.delete(key);
      else if (kept.length !== visits.length) this.byVisitor.set(key, kept);
    }
  }

  get size(): number {
    let n = 0;
    for (const visits of this.byVisitor.values()) n += visits.length;
    return n;
  }
}
