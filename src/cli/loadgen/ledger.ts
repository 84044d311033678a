import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { EventFacts } from './traffic.js';

/**
 * The ledger: one JSON line per event the server acknowledged (2xx), written only after the
 * answer arrived. Events whose fate is unknown (no answer after every retry) go to a sidecar
 * `FILE.unknown`: they may or may not be stored, and verify-ledger allows for them.
 */
export interface LedgerWriter {
  acknowledged(facts: EventFacts): void;
  unknown(facts: EventFacts): void;
  close(): Promise<void>;
}

export function unknownPath(ledger: string): string {
  return `${ledger}.unknown`;
}

/** Opens the ledger (truncating it) and resolves once the file is writable. */
export async function openLedger(path: string): Promise<LedgerWriter> {
  const main = await openStream(path);
  let side: WriteStream | null = null;
  let sidePending: Promise<WriteStream> | null = null;
  const lines: string[] = [];
  const sideLines: string[] = [];
  // Lines are joined and written in chunks: one write per event would dominate a fast run.
  const flush = (): void => {
    if (lines.length > 0) main.write(lines.splice(0).join(''));
    if (sideLines.length > 0 && side) side.write(sideLines.splice(0).join(''));
  };
  return {
    acknowledged(facts) {
      lines.push(`${JSON.stringify(facts)}\n`);
      if (lines.length >= 512) flush();
    },
    unknown(facts) {
      sideLines.push(`${JSON.stringify(facts)}\n`);
      sidePending ??= openStream(unknownPath(path)).then((stream) => (side = stream));
    },
    async close() {
      if (sidePending) await sidePending;
      flush();
      await Promise.all(
        [main, side]
          .filter((s): s is WriteStream => s !== null)
          .map(async (stream) => {
            stream.end();
            await once(stream, 'finish');
          }),
      );
    },
  };
}

async function openStream(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags: 'w' });
  await once(stream, 'open');
  return stream;
}

/** Reads a ledger (or its sidecar) line by line; a malformed line is an error naming its number. */
export async function* readLedger(path: string): AsyncGenerator<EventFacts> {
  if (!existsSync(path)) return;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    yield parseLedgerLine(line, `${path}:${number}`);
  }
}

export function parseLedgerLine(line: string, where: string): EventFacts {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  const facts = value as Partial<EventFacts> | null;
  const ok =
    facts !== null &&
    typeof facts === 'object' &&
    typeof facts.id === 'string' &&
    typeof facts.site === 'string' &&
    typeof facts.page === 'string' &&
    typeof facts.type === 'string' &&
    typeof facts.bot === 'boolean' &&
    typeof facts.user === 'string' &&
    typeof facts.ts === 'number';
  if (!ok) throw new Error(`${where}: a ledger line needs id, site, page, type, bot, user and ts`);
  return facts as EventFacts;
}
