import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createRandom, createZipf, geometric } from '../../src/cli/loadgen/random.js';
import { pagePath } from '../../src/cli/loadgen/traffic.js';

export const BENCH_SITE = 'bench';
const DAY = 86_400_000;
const BATCH = 5_000;
/** A partition the server's event log never has: its checkpoint can never make the processor skip records. */
const FILL_PARTITION = 9_999;
const AGENTS = [
  { browser: 'Chrome', os: 'Windows', device: 'desktop' }, { browser: 'Safari', os: 'iOS', device: 'mobile' },
  { browser: 'Firefox', os: 'Linux', device: 'desktop' }, { browser: 'Chrome', os: 'Android', device: 'mobile' },
];
const TYPES = ['click', 'scroll', 'scroll', 'signup'];

export interface FilledStore {
  dataDir: string;
  events: number;
  /** The end of the 30 days the events cover; queries ask about [end - 30 days, end). */
  end: number;
  fillSeconds: number;
  reused: boolean;
}

/**
 * A data dir whose store holds `events` synthetic events spread over 30 days, written straight
 * through SqliteStore.commit() in batches — the processor's own write path, without HTTP and the
 * log. Filled once per size and reused by later runs (the marker file records when it was made).
 * An interrupted fill resumes: the events are a fixed sequence, and the store's checkpoint says
 * how many of them it holds.
 */
export async function filledStore(root: string, events: number, log: (line: string) => void): Promise<FilledStore> {
  const dataDir = join(root, `queries-${events}`);
  const marker = join(dataDir, 'bench-fill.json');
  if (existsSync(marker)) return { ...(JSON.parse(readFileSync(marker, 'utf8')) as FilledStore), reused: true };
  const end = fillPlan(dataDir, events);
  const store = new SqliteStore({ path: join(dataDir, 'store.db'), rawEventRetentionMs: 0 });
  const started = Date.now();
  try {
    await fill(store, end, events, log);
  } finally {
    await store.close();
  }
  const filled: FilledStore = { dataDir, events, end, fillSeconds: (Date.now() - started) / 1000, reused: false };
  writeFileSync(marker, JSON.stringify(filled));
  return filled;
}

/** The end of the 30 days, fixed when a fill starts (bench-plan.json) so a resumed fill continues the same events. */
function fillPlan(dataDir: string, events: number): number {
  const plan = join(dataDir, 'bench-plan.json');
  if (existsSync(plan)) return (JSON.parse(readFileSync(plan, 'utf8')) as { end: number }).end;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  writeFileSync(plan, JSON.stringify({ events, end }));
  return end;
}

async function fill(store: SqliteStore, end: number, events: number, log: (line: string) => void): Promise<void> {
  const next = syntheticEvents(end, events);
  const done = (await store.checkpoint(FILL_PARTITION)) ?? 0;
  for (let i = 0; i < done; i++) next();
  if (done > 0) log(`  resuming after ${done.toLocaleString('en-US')} events`);
  const started = Date.now();
  for (let written = done; written < events; ) {
    const batch: TrackedEvent[] = [];
    while (batch.length < BATCH && written < events) {
      batch.push(next());
      written++;
    }
    await store.commit({ partition: FILL_PARTITION, nextOffset: written, events: batch });
    if (written % 500_000 < BATCH) log(`  filled ${written.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events (${Math.round((written - done) / ((Date.now() - started) / 1000)).toLocaleString('en-US')} ev/s)`);
  }
}

/** Visits of ~5 events by visitors drawn from a pool of events/20, pages by a Zipf law over 1,000 pages. */
function syntheticEvents(end: number, total: number): () => TrackedEvent {
  const random = createRandom(20_261_128);
  const zipf = createZipf(1_000, 1.07, random);
  const visitors = Math.max(100, Math.floor(total / 20));
  let session: { visitor: string; time: number; left: number; agent: (typeof AGENTS)[number]; bot: boolean } | null = null;
  let sequence = 0;
  return () => {
    if (!session || session.left === 0) {
      const bot = random.chance(0.05);
      session = { visitor: `v${random.int(0, visitors)}`, time: end - 30 * DAY + Math.floor(random.next() * (30 * DAY - 3_600_000)), left: geometric(5, random), agent: random.pick(AGENTS), bot };
    }
    session.left--;
    session.time += random.int(2_000, 60_000);
    const pageView = random.chance(0.55);
    const id = `f${(sequence++).toString(36).padStart(9, '0')}`;
    return {
      event_id: id, site_id: BENCH_SITE, visitor_id: session.visitor, user_id: session.visitor, event_type: pageView ? 'page_view' : random.pick(TYPES),
      page: pagePath(zipf()), hostname: 'bench.example', timestamp: session.time, received_at: session.time, session_id: null,
      referrer: null, referrer_host: random.chance(0.3) ? random.pick(['google.com', 'news.ycombinator.com', 't.co']) : null, title: null,
      properties: null, element: null, scroll_depth: null, screen_width: 1920, screen_height: 1080,
      utm_source: null, utm_medium: null, utm_campaign: null, utm_content: null, utm_term: null,
      browser_version: null, os_version: null, country: null, region: null, city: null, ...session.agent,
      device: session.bot ? 'bot' : session.agent.device, ip_prefix: '198.51.100.0', is_bot: session.bot,
    };
  };
}
