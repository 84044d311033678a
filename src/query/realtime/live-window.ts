/** The live window: what happened in the last five minutes, in one-second buckets. */
export const WINDOW_SECONDS = 300;
/** eventsPerSecond is averaged over this many complete seconds, so it does not flicker. */
const RATE_SECONDS = 10;
/** Pages beyond this many distinct ones in one second are counted under OTHER_PAGES. */
export const OTHER_PAGES = '(other)';

export interface WindowLimits {
  /** Active visitors remembered; past it the least recently seen are forgotten (count saturates). */
  maxVisitors: number;
  /** Distinct pages counted per second; keeps a flood of unique URLs from growing the window. */
  maxPagesPerSecond: number;
}

export interface LiveSnapshot {
  time: number;
  eventsPerSecond: number;
  events: number;
  pageviews: number;
  activeVisitors: number;
  pages: Array<{ page: string; views: number }>;
  perSecond: Array<{ time: number; events: number; pageviews: number }>;
}

interface Bucket {
  second: number;
  events: number;
  pageviews: number;
  pages: Map<string, number>;
}

/**
 * Bounded by construction: a ring of WINDOW_SECONDS buckets (each with at most
 * maxPagesPerSecond pages) and at most maxVisitors visitors. Times are when ingest received the
 * events (received_at), so every query instance buckets an event the same way whenever it reads it.
 */
export class LiveWindow {
  private readonly buckets: Bucket[] = Array.from({ length: WINDOW_SECONDS }, () => ({
    second: -1,
    events: 0,
    pageviews: 0,
    pages: new Map(),
  }));
  private readonly pageTotals = new Map<string, number>();
  /** visitor → last seen (ms); Map order is least recently seen first, so expiry pops the front. */
  private readonly visitors = new Map<string, number>();

  constructor(private readonly limits: WindowLimits) {}

  add(event: { visitor: string; page: string; pageview: boolean; at: number }, now: number): void {
    const second = Math.floor(event.at / 1000);
    const nowSecond = Math.floor(now / 1000);
    if (second <= nowSecond - WINDOW_SECONDS || second > nowSecond + 60) return;
    const bucket = this.bucket(second);
    if (!bucket) return;
    bucket.events++;
    if (event.pageview) {
      bucket.pageviews++;
      const page =
        bucket.pages.has(event.page) || bucket.pages.size < this.limits.maxPagesPerSecond
          ? event.page
          : OTHER_PAGES;
      bucket.pages.set(page, (bucket.pages.get(page) ?? 0) + 1);
      this.pageTotals.set(page, (this.pageTotals.get(page) ?? 0) + 1);
    }
    const seen = Math.max(event.at, this.visitors.get(event.visitor) ?? 0);
    this.visitors.delete(event.visitor);
    this.visitors.set(event.visitor, seen);
    if (this.visitors.size > this.limits.maxVisitors)
      this.visitors.delete(this.visitors.keys().next().value!);
  }

  snapshot(now: number, options: { pageLimit: number; seconds: number }): LiveSnapshot {
    const nowSecond = Math.floor(now / 1000);
    this.expire(now);
    let events = 0;
    let pageviews = 0;
    let recent = 0;
    const perSecond: LiveSnapshot['perSecond'] = [];
    for (let s = nowSecond - WINDOW_SECONDS + 1; s <= nowSecond; s++) {
      const bucket = this.buckets[s % WINDOW_SECONDS]!;
      const live = bucket.second === s;
      events += live ? bucket.events : 0;
      pageviews += live ? bucket.pageviews : 0;
      // The current second is still filling; the rate uses the complete ones before it.
      if (s < nowSecond && s >= nowSecond - RATE_SECONDS) recent += live ? bucket.events : 0;
      if (s > nowSecond - options.seconds)
        perSecond.push({
          time: s * 1000,
          events: live ? bucket.events : 0,
          pageviews: live ? bucket.pageviews : 0,
        });
    }
    const pages = [...this.pageTotals]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, options.pageLimit);
    return {
      time: now,
      eventsPerSecond: Math.round((recent / RATE_SECONDS) * 100) / 100,
      events,
      pageviews,
      activeVisitors: this.visitors.size,
      pages: pages.map(([page, views]) => ({ page, views })),
      perSecond,
    };
  }

  /** True when nothing in the window is live any more, so its owner may drop it. */
  idle(now: number): boolean {
    this.expire(now);
    return this.visitors.size === 0;
  }

  /** The bucket for `second`, recycled when it still holds an older second; none when it holds a newer one. */
  private bucket(second: number): Bucket | undefined {
    const bucket = this.buckets[second % WINDOW_SECONDS]!;
    if (bucket.second === second) return bucket;
    if (bucket.second > second) return undefined;
    this.clear(bucket);
    bucket.second = second;
    return bucket;
  }

  private expire(now: number): void {
    const oldest = Math.floor(now / 1000) - WINDOW_SECONDS;
    for (const bucket of this.buckets)
      if (bucket.second !== -1 && bucket.second <= oldest) this.clear(bucket);
    const cutoff = now - WINDOW_SECONDS * 1000;
    for (const [visitor, seen] of this.visitors) {
      if (seen > cutoff) break;
      this.visitors.delete(visitor);
    }
  }

  private clear(bucket: Bucket): void {
    for (const [page, views] of bucket.pages) {
      const left = (this.pageTotals.get(page) ?? 0) - views;
      if (left > 0) this.pageTotals.set(page, left);
      else this.pageTotals.delete(page);
    }
    bucket.pages.clear();
    bucket.events = 0;
    bucket.pageviews = 0;
    bucket.second = -1;
  }
}
