import { describe, expect, it } from 'vitest';
import type { Answer } from '../../src/cli/loadgen/client.js';
import type { LedgerWriter } from '../../src/cli/loadgen/ledger.js';
import { settle } from '../../src/cli/loadgen/outcome.js';
import { RunStats } from '../../src/cli/loadgen/stats.js';
import type { EventFacts, GeneratedEvent } from '../../src/cli/loadgen/traffic.js';

const event = (id: string, fault: string | null = null): GeneratedEvent => ({
  body: { event_id: id },
  fault,
  facts: { id, site: 's', page: '/', type: 'page_view', bot: false, user: 'u', ts: 1 },
});
const answer = (status: number, body: unknown): Answer => ({
  kind: 'answer',
  status,
  body,
  retryAfterMs: null,
  latencyMs: 1,
});

function book(events: GeneratedEvent[], batch: boolean, reply: Answer) {
  const stats = new RunStats(0);
  const acknowledged: EventFacts[] = [];
  const unknown: EventFacts[] = [];
  const ledger: LedgerWriter = {
    acknowledged: (f) => acknowledged.push(f),
    unknown: (f) => unknown.push(f),
    close: async () => {},
  };
  settle(events, batch, reply, stats, ledger);
  return {
    stats,
    acknowledged: acknowledged.map((f) => f.id),
    unknown: unknown.map((f) => f.id),
    errors: Object.fromEntries(stats.errors),
  };
}

describe('booking an answer', () => {
  it('acknowledges good events of a 202 and counts refused bad ones as rejected', () => {
    const r = book(
      [event('a'), event('b', 'bad site_id'), event('c')],
      true,
      answer(202, { accepted: 2, rejected: [{ index: 1, field: 'site_id', message: 'x' }] }),
    );
    expect(r.acknowledged).toEqual(['a', 'c']);
    expect(r.stats.accepted).toBe(2);
    expect(r.stats.rejected).toBe(1);
    expect(r.errors).toEqual({});
  });

  it('flags a good event the server refused and a bad one it accepted', () => {
    const r = book(
      [event('a'), event('b', 'unknown field')],
      true,
      answer(202, { accepted: 1, rejected: [{ index: 0 }] }),
    );
    expect(r.acknowledged).toEqual([]);
    expect(r.errors).toEqual({ unexpected_rejection: 1, bad_event_accepted: 1 });
  });

  it('treats a 400 INVALID_EVENT as the rejection of a single event', () => {
    expect(
      book([event('a', 'bad event_type')], false, answer(400, { code: 'INVALID_EVENT' })).stats
        .rejected,
    ).toBe(1);
    expect(book([event('a')], false, answer(400, { code: 'INVALID_EVENT' })).errors).toEqual({
      unexpected_rejection: 1,
    });
    expect(book([event('a')], false, answer(202, { accepted: 1 })).acknowledged).toEqual(['a']);
  });

  it('books a 503 as refused (nothing stored) and a timeout as unknown fate, outside the ledger', () => {
    const overloaded = book(
      [event('a'), event('b')],
      true,
      answer(503, { code: 'LOG_OVERLOADED' }),
    );
    expect(overloaded.errors).toEqual({ overloaded_503: 2 });
    expect(overloaded.unknown).toEqual([]);
    const lost = book([event('a'), event('b', 'x')], true, {
      kind: 'failure',
      error: 'timeout',
      message: 'UND_ERR_HEADERS_TIMEOUT',
    });
    expect(lost.errors).toEqual({ timeout: 2 });
    expect(lost.unknown).toEqual(['a']);
    expect(lost.acknowledged).toEqual([]);
  });
});
