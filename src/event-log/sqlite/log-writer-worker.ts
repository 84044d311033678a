import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { WriterMessage, WriterReply, WriterSettings } from './log-writer-protocol.js';
import type { BatchSection } from './record-batch.js';

/**
 * The embedded log's writer thread: the one connection of this process that writes the log file.
 * better-sqlite3 is synchronous, and a commit with synchronous=FULL waits for fsync; here that wait
 * blocks this thread only, so the main thread keeps parsing requests while a group is made durable,
 * and the next group gathers meanwhile. Requests are handled one at a time, in order.
 */
const settings = workerData as WriterSettings;
const port = parentPort!;
const db = new Database(settings.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma(`busy_timeout = ${settings.busyTimeoutMs}`);

const lastOffset = db.prepare<[number], { last: number | null }>(
  'SELECT MAX(last_offset) AS last FROM record_batches WHERE partition = ?',
);
const insertBatch = db.prepare(
  'INSERT INTO record_batches (partition, last_offset, count, ts, data) VALUES (?, ?, ?, ?, ?)',
);
const commitOffset = db.prepare(
  'INSERT OR REPLACE INTO group_offsets (group_id, partition, offset) VALUES (?, ?, ?)',
);
const insertDeadLetter = db.prepare(
  'INSERT INTO dead_letters (partition, offset, key, value, reason, ts) VALUES (?, ?, ?, ?, ?, ?)',
);
const groupFloors = db.prepare<[], { partition: number; offset: number }>(
  'SELECT partition, MIN(offset) AS offset FROM group_offsets GROUP BY partition',
);
// The newest batch of a partition always stays: offsets continue from it (MAX(last_offset) + 1), and
// a partition emptied by retention would start again at 0, below every checkpoint, and its new
// records would be skipped.
const deleteBatches = db.prepare(
  'DELETE FROM record_batches WHERE partition = ? AND last_offset < MIN(?, (SELECT MAX(last_offset) FROM record_batches WHERE partition = ?)) AND ts < ?',
);

// BEGIN IMMEDIATE: offsets are read inside the write lock, so two processes appending to the same
// file still get consecutive, unique offsets.
const append = db.transaction((buffer: ArrayBuffer, sections: BatchSection[]) => {
  const now = Date.now();
  for (const section of sections) {
    const last = (lastOffset.get(section.partition)?.last ?? -1) + section.count;
    insertBatch.run(
      section.partition,
      last,
      section.count,
      now,
      Buffer.from(buffer, section.start, section.end - section.start),
    );
  }
  return sections.length;
});
const commitOffsets = db.transaction((groupId: string, offsets: Array<[number, number]>) => {
  for (const [partition, offset] of offsets) commitOffset.run(groupId, partition, offset);
  return offsets.length;
});
/** Deletes batches every group has read past and whose newest record is older than `olderThan`. */
const expire = db.transaction((olderThan: number) => {
  let deleted = 0;
  for (const floor of groupFloors.all())
    deleted += deleteBatches.run(floor.partition, floor.offset, floor.partition, olderThan).changes;
  return deleted;
});

function handle(message: WriterMessage): number {
  switch (message.type) {
    case 'append':
      return append.immediate(message.buffer, message.sections);
    case 'commit-offsets':
      return commitOffsets.immediate(message.groupId, message.offsets);
    case 'dead-letter':
      return Number(
        insertDeadLetter.run(
          message.partition,
          message.offset,
          message.key,
          Buffer.from(message.value),
          message.reason,
          Date.now(),
        ).changes,
      );
    case 'expire':
      return expire.immediate(message.olderThan);
    case 'ping':
      return 0;
    case 'close':
      db.close();
      return 0;
  }
}

port.on('message', (message: WriterMessage) => {
  let reply: WriterReply;
  try {
    reply = { id: message.id, ok: true, result: handle(message) };
  } catch (error) {
    reply = {
      id: message.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    };
  }
  port.postMessage(reply);
  if (message.type === 'close') port.close();
});
