import { isbot } from 'isbot';
import { describe, expect, it } from 'vitest';
import { createRandom, createZipf } from '../../src/cli/loadgen/random.js';
import { createTraffic, type GeneratedEvent } from '../../src/cli/loadgen/traffic.js';
import { BOT_AGENTS, BROWSER_AGENTS } from '../../src/cli/loadgen/user-agents.js';
import { enrichEvent } from '../../src/ingest/enrich-event.js';
import { validateInput } from '../../src/ingest/validate-input.js';

const NOW = Date.UTC(2026, 10, 28, 12);
const traffic = (overrides: Partial<Parameters<typeof createTraffic>[0]> = {}) =>
  createTraffic({
    seed: 7,
    sites: 3,
    sitePrefix: 'lg-t-',
    pages: 50,
    visitors: 200,
    bots: 0.1,
    bad: 0,
    windowMs: 6 * 3_600_000,
    now: NOW,
    ...overrides,
  });
const take = (n: number, t = traffic()): GeneratedEvent[] =>
  Array.from({ length: n }, () => t.next());

/** What the server does with an input: the real validation and enrichment. */
function serverView(body: object) {
  const check = validateInput(body);
  if (!check.ok) return { ok: false as const, why: check.problem.field };
  try {
    const event = enrichEvent(
      check.input,
      { ip: '127.0.0.1', userAgent: '', receivedAt: NOW + 1000 },
      {
        defaultSiteId: 'default',
        maxEventAgeMs: 168 * 3_600_000,
        maxClockSkewMs: 300_000,
        ipStorage: 'truncate',
        visitorHash: () => 'h',
      },
    );
    return { ok: true as const, event };
  } catch (error) {
    return { ok: false as const, why: (error as { field?: string }).field ?? 'event' };
  }
}

describe('load generator traffic', () => {
  it('is reproducible: the same seed gives the same events', () => {
    expect(take(300, traffic())).toEqual(take(300, traffic()));
    expect(take(50, traffic({ seed: 8 }))).not.toEqual(take(50, traffic()));
  });

  it('produces events the server accepts, and stores them as the ledger facts say', () => {
    for (const { body, facts } of take(2000)) {
      const seen = serverView(body);
      expect(seen.ok, JSON.stringify(body)).toBe(true);
      if (!seen.ok) continue;
      expect({
        id: seen.event.event_id,
        site: seen.event.site_id,
        page: seen.event.page,
        type: seen.event.event_type,
        bot: seen.event.is_bot,
        user: seen.event.visitor_id,
        ts: seen.event.timestamp,
      }).toEqual(facts);
      expect(facts.ts).toBeLessThanOrEqual(NOW);
      expect(facts.ts).toBeGreaterThan(NOW - 7 * 86_400_000);
    }
  });

  it('produces bad events the server refuses, when asked to', () => {
    const events = take(3000, traffic({ bad: 0.1 }));
    const bad = events.filter((e) => e.fault !== null);
    expect(bad.length).toBeGreaterThan(200);
    expect(bad.length).toBeLessThan(400);
    for (const event of bad)
      expect(serverView(event.body).ok, `${event.fault}: ${JSON.stringify(event.body)}`).toBe(
        false,
      );
    expect(new Set(bad.map((e) => e.fault)).size).toBeGreaterThanOrEqual(6);
  });

  it('mixes page views, clicks, scroll milestones and custom events, with a share of bots', () => {
    const events = take(5000);
    const types = new Map<string, number>();
    for (const { facts } of events) types.set(facts.type, (types.get(facts.type) ?? 0) + 1);
    expect(types.get('page_view')).toBeGreaterThan(1500);
    expect(types.get('scroll')).toBeGreaterThan(300);
    expect(types.get('click')).toBeGreaterThan(300);
    expect(
      [...types.keys()].some((t) =>
        ['signup', 'add_to_cart', 'purchase', 'video_play'].includes(t),
      ),
    ).toBe(true);
    const botShare = events.filter((e) => e.facts.bot).length / events.length;
    expect(botShare).toBeGreaterThan(0.03);
    expect(botShare).toBeLessThan(0.4);
  });

  it('gives visitors sessions: a new session id only after more than 30 minutes without events', () => {
    const byUser = new Map<string, Array<{ ts: number; session: string }>>();
    for (const { body, facts } of take(8000)) {
      const list = byUser.get(facts.user) ?? [];
      list.push({ ts: facts.ts, session: body.session_id as string });
      byUser.set(facts.user, list);
    }
    let newSessions = 0;
    for (const list of byUser.values()) {
      for (let i = 1; i < list.length; i++) {
        const gap = list[i]!.ts - list[i - 1]!.ts;
        expect(gap).toBeGreaterThan(0);
        if (list[i]!.session !== list[i - 1]!.session) {
          newSessions++;
          expect(gap).toBeGreaterThan(30 * 60_000);
        } else {
          expect(gap).toBeLessThan(30 * 60_000);
        }
      }
    }
    expect(newSessions).toBeGreaterThan(10);
  });

  it('draws pages by a Zipf law: the home page leads and the tail is long', () => {
    const counts = new Map<string, number>();
    for (const { facts } of take(6000))
      if (facts.type === 'page_view') counts.set(facts.page, (counts.get(facts.page) ?? 0) + 1);
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    expect(ranked[0]![0]).toBe('/');
    expect(ranked.length).toBeGreaterThan(30);
    const zipf = createZipf(100, 1.07, createRandom(1));
    const draws = Array.from({ length: 20_000 }, zipf);
    const share = (k: number) => draws.filter((d) => d === k).length / draws.length;
    expect(share(1) / share(2)).toBeGreaterThan(1.6);
    expect(share(1) / share(2)).toBeLessThan(2.6);
    expect(Math.max(...draws)).toBeLessThanOrEqual(100);
    expect(Math.min(...draws)).toBe(1);
  });

  it('uses browser agents isbot lets through and bot agents it flags (the server decides)', () => {
    for (const agent of BROWSER_AGENTS) expect(isbot(agent), agent).toBe(false);
    for (const agent of BOT_AGENTS) expect(isbot(agent), agent).toBe(true);
  });
});
