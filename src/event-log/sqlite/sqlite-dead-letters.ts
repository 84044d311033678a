import type Database from 'better-sqlite3';
import type { DeadLetter, DeadLetterQueue } from '../../ports/dead-letters.js';
import type { AppendRecord } from '../../ports/event-log.js';

interface DeadLetterRow {
  id: number;
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
  reason: string;
  ts: number;
}

/**
 * The embedded log's dead letters: rows of its dead_letters table. A replay appends each record to
 * the log through the log's own durable append (group commit), then stamps the rows replayed_at.
 */
export class SqliteDeadLetters implements DeadLetterQueue {
  private readonly selectPending: Database.Statement<[number], DeadLetterRow>;
  private readonly markReplayed: (ids: readonly number[], at: number) => void;

  constructor(
    db: Database.Database,
    private readonly append: (records: readonly AppendRecord[]) => Promise<void>,
  ) {
    this.selectPending = db.prepare(
      'SELECT id, partition, offset, key, value, reason, ts FROM dead_letters WHERE replayed_at IS NULL ORDER BY id LIMIT ?',
    );
    const mark = db.prepare('UPDATE dead_letters SET replayed_at = ? WHERE id = ?');
    this.markReplayed = db.transaction((ids: readonly number[], at: number) => {
      for (const id of ids) mark.run(at, id);
    });
  }

  pending(limit: number): Promise<DeadLetter[]> {
    return Promise.resolve(this.selectPending.all(limit).map(toDeadLetter));
  }

  async replay(): Promise<number> {
    let replayed = 0;
    for (;;) {
      const rows = this.selectPending.all(500);
      if (rows.length === 0) return replayed;
      // Durable in the log first, then marked: a crash between the two replays them again (at
      // least once), which the store's event_id keys absorb.
      await this.append(rows.map((row) => ({ key: row.key, value: row.value })));
      this.markReplayed(
        rows.map((row) => row.id),
        Date.now(),
      );
      replayed += rows.length;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    partition: row.partition,
    offset: row.offset,
    key: row.key,
    value: row.value,
    reason: row.reason,
    parkedAt: row.ts,
  };
}
