/**
 * The durable, partitioned event log (Kafka semantics). Adapters: SqliteLog (embedded) and
 * KafkaLog. The contract suite in test/contract/event-log.contract.ts holds every adapter to it.
 */
export interface AppendRecord {
  /** Records with the same key land on the same partition, in append order. */
  key: string;
  value: Buffer;
}

export interface LogRecord {
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
  /** When the log accepted the record, ms since the epoch. */
  timestamp: number;
}

export interface PartitionBatch {
  partition: number;
  /** Consecutive records of one partition in offset order (a compacted log may skip offsets). */
  records: LogRecord[];
  /** The offset to resume from once this batch is processed. */
  nextOffset: number;
}

export interface ConsumeOptions {
  groupId: string;
  /**
   * Where to start a partition this consumer is given: the offset the store checkpointed with its
   * aggregates, or null to fall back to the group's committed offset (or the earliest record).
   */
  resumeFrom(partition: number): Promise<number | null>;
  /** Processes one partition's batch; its offset is committed to the log only after it resolves. */
  handle(batch: PartitionBatch): Promise<void>;
  /**
   * Optional: processes batches of several partitions at once, together at most `maxBatchRecords`
   * records (their offsets are committed only after it resolves). An adapter that reads its
   * partitions in passes (SqliteLog) calls it instead of `handle` when given; one that gets
   * partitions' batches independently (KafkaLog) keeps calling `handle`.
   */
  handleTogether?(batches: PartitionBatch[]): Promise<void>;
  maxBatchRecords?: number;
  /**
   * Where a partition with neither a resume offset nor a committed group offset starts: the
   * earliest record (default, for processing) or the end of the log (for live views that only
   * want what arrives from now on). A `latest` reader is ephemeral: its offsets are never
   * committed, so it neither holds back the log's retention nor leaves a group behind.
   */
  startAt?: 'earliest' | 'latest';
}

export interface LogConsumer {
  /** Records appended but not yet handled, per partition this consumer reads. */
  lag(): Promise<Map<number, number>>;
  /**
   * Partitions this consumer owns but will not read, each with the reason: its resume offset is
   * past the end of the log, so the log was recreated or wiped while the store kept its
   * checkpoints. Reading on would skip every new record up to the old checkpoint, so the partition
   * waits for an operator (`clickstream checkpoints reset`, docs/reliability.md) and the others go on.
   */
  stopped(): Map<number, string>;
  /** Lets the current batch finish and commit, then leaves the group. */
  close(): Promise<void>;
}

export interface EventLog {
  readonly partitions: number;
  /** Resolves only once every record is durably in the log (fsync'd, or acks=all). */
  append(records: readonly AppendRecord[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<LogConsumer>;
  /** Parks a record that cannot be processed, with the reason, so processing can go on. */
  deadLetter(record: LogRecord, reason: string): Promise<void>;
  close(): Promise<void>;
}
