import type { Answer } from './client.js';
import type { LedgerWriter } from './ledger.js';
import type { ErrorKind, RunStats } from './stats.js';
import type { GeneratedEvent } from './traffic.js';

/** Whether a request is worth sending again with the same event ids. */
export function isRetryable(answer: Answer): boolean {
  return answer.kind === 'failure' || answer.status >= 500;
}

/**
 * Books the final answer to one request, event by event: a good event is acknowledged (and
 * enters the ledger) only on a 2xx that did not list it as rejected; a bad event must be
 * rejected. Anything else is an error of a named kind.
 */
export function settle(
  events: readonly GeneratedEvent[],
  batch: boolean,
  answer: Answer,
  stats: RunStats,
  ledger: LedgerWriter | null,
): void {
  if (answer.kind === 'failure')
    return unknownFate(events, answer.error, answer.message, stats, ledger);
  const { status } = answer;
  if (status === 503) return stats.error('overloaded_503', events.length, describe(answer.body));
  if (status >= 500)
    return unknownFate(events, 'server_5xx', `${status} ${describe(answer.body)}`, stats, ledger);
  const rejected = rejectedIndexes(batch, status, answer.body);
  if (rejected === null)
    return stats.error(
      status >= 200 && status < 300 ? 'unreadable_answer' : 'client_4xx',
      events.length,
      `${status} ${describe(answer.body)}`,
    );
  events.forEach((event, index) => {
    const refused = rejected.has(index);
    if (event.fault === null && !refused) {
      stats.accepted++;
      ledger?.acknowledged(event.facts);
    } else if (event.fault !== null && refused) {
      stats.rejected++;
    } else if (refused) {
      stats.error('unexpected_rejection', 1, `${event.facts.id}: ${describe(answer.body)}`);
    } else {
      stats.error('bad_event_accepted', 1, `${event.facts.id} (${event.fault}) was accepted`);
    }
  });
}

/** The indexes the server refused, or null when the answer is not one of the ingest answers. */
function rejectedIndexes(batch: boolean, status: number, body: unknown): Set<number> | null {
  const ok = status >= 200 && status < 300;
  if (!batch) {
    if (ok) return new Set();
    return status === 400 && (body as { code?: unknown } | null)?.code === 'INVALID_EVENT'
      ? new Set([0])
      : null;
  }
  const list = (body as { rejected?: unknown } | null)?.rejected;
  if (!(ok || status === 400) || !Array.isArray(list)) return null;
  return new Set(
    list
      .map((r) => (r as { index?: unknown }).index)
      .filter((i): i is number => typeof i === 'number'),
  );
}

function unknownFate(
  events: readonly GeneratedEvent[],
  kind: ErrorKind,
  message: string,
  stats: RunStats,
  ledger: LedgerWriter | null,
): void {
  stats.error(kind, events.length, message);
  for (const event of events) {
    if (event.fault !== null) continue;
    stats.unknown++;
    ledger?.unknown(event.facts);
  }
}

function describe(body: unknown): string {
  if (body === null || body === undefined) return '(empty body)';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
