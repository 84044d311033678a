import type { AppendRecord, LogRecord } from '../../ports/event-log.js';

/**
 * Kafka stores records in record batches, not one by one; so does the embedded log. One row of
 * `record_batches` holds the consecutive records of one partition that one group commit wrote:
 * one B-tree insert per partition per commit instead of one per record, which is most of what an
 * append used to cost.
 *
 * A batch's bytes: a format byte (1), then per record a u32 LE key length, the key's UTF-8 bytes,
 * a u32 LE value length and the value's bytes. The records' offsets are the row's: the last one is
 * `last_offset`, the first `last_offset - count + 1`.
 */
const FORMAT = 1;

/** The records of one partition within a group's buffer. */
export interface BatchSection {
  partition: number;
  count: number;
  start: number;
  end: number;
}

/** A group commit's records, framed per partition in one buffer that can be moved to the writer thread. */
export interface FramedGroup {
  buffer: ArrayBuffer;
  sections: BatchSection[];
}

/** Frames records (already placed on partitions) into one transferable buffer, a section per partition. */
export function frameGroup(
  records: readonly AppendRecord[],
  partitionOf: (key: string) => number,
  partitions: number,
): FramedGroup {
  const byPartition: AppendRecord[][] = Array.from({ length: partitions }, () => []);
  let size = 0;
  for (const record of records) {
    byPartition[partitionOf(record.key)]!.push(record);
    // A key's UTF-8 takes at most 3 bytes per UTF-16 unit.
    size += 8 + record.key.length * 3 + record.value.length;
  }
  // Not from Buffer's shared pool: the whole ArrayBuffer is handed to the writer thread.
  const buffer = new ArrayBuffer(size + partitions);
  const bytes = Buffer.from(buffer);
  const sections: BatchSection[] = [];
  let at = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const mine = byPartition[partition]!;
    if (mine.length === 0) continue;
    const start = at;
    bytes[at++] = FORMAT;
    for (const record of mine) {
      const keyLength = bytes.write(record.key, at + 4, 'utf8');
      bytes.writeUInt32LE(keyLength, at);
      at += 4 + keyLength;
      bytes.writeUInt32LE(record.value.length, at);
      at += 4;
      at += record.value.copy(bytes, at);
    }
    sections.push({ partition, count: mine.length, start, end: at });
  }
  return { buffer, sections };
}

/** The stored row of one batch, as the reader gets it. */
export interface BatchRow {
  last_offset: number;
  count: number;
  ts: number;
  data: Buffer;
}

/**
 * The records of a batch row from offset `from` on (earlier ones are skipped), at most `max`.
 * Values are views into the row's buffer, not copies.
 */
export function unframeBatch(
  partition: number,
  row: BatchRow,
  from: number,
  max: number,
): LogRecord[] {
  const { data } = row;
  if (data[0] !== FORMAT)
    throw new Error(
      `record batch of partition ${partition} ending at offset ${row.last_offset} has unknown format ${data[0]}`,
    );
  const records: LogRecord[] = [];
  let offset = row.last_offset - row.count + 1;
  let at = 1;
  while (at < data.length && records.length < max) {
    const keyLength = data.readUInt32LE(at);
    const keyStart = at + 4;
    const valueLength = data.readUInt32LE(keyStart + keyLength);
    const valueStart = keyStart + keyLength + 4;
    at = valueStart + valueLength;
    if (offset >= from) {
      records.push({
        partition,
        offset,
        key: data.toString('utf8', keyStart, keyStart + keyLength),
        value: data.subarray(valueStart, at),
        timestamp: row.ts,
      });
    }
    offset++;
  }
  return records;
}
