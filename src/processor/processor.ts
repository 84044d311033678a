import type { Logger } from 'pino';
import type { TrackedEvent } from '../domain/tracked-event.js';
import type { EventLog, LogConsumer, PartitionBatch } from '../ports/event-log.js';
import type { CommitResult, StoreBatch } from '../ports/event-store.js';
import type { Store } from '../ports/store-capabilities.js';
import type { ProcessorObserver } from './processor-observer.js';
import { createDecodeStep } from './steps/decode-step.js';

export interface ProcessorOptions {
  groupId: string;
  batchSize: number;
}

/** What the processor uses of the store: commits, checkpoints and a pass committed together. */
export type ProcessorStore = Pick<Store, 'commit' | 'checkpoint' | 'capabilities'>;

export interface Processor {
  /** Resolves once the last micro-batch is committed and the consumer has left its group. */
  stop(): Promise<void>;
}

/**
 * Reads the log in micro-batches per partition and commits each to the store together with the
 * partition's checkpoint (or, where both the log and the store offer it, a pass's batches of
 * several partitions in one store transaction). It resumes from the store's checkpoint, so the log's own committed
 * offset is only a hint (for lag) and a crash between the two commits replays nothing twice.
 */
export async function startProcessor(
  log: EventLog,
  store: ProcessorStore,
  observer: ProcessorObserver,
  logger: Logger,
  options: ProcessorOptions,
): Promise<Processor> {
  const decode = createDecodeStep();

  /** A batch's events, its undecodable records parked in the dead-letter queue. */
  const eventsOf = async (batch: PartitionBatch): Promise<[TrackedEvent[], number]> => {
    const events: TrackedEvent[] = [];
    let deadLettered = 0;
    for (const record of batch.records) {
      const result = decode(record);
      if (result.kind === 'ok') events.push(result.value);
      else if (result.kind === 'dlq') {
        await log.deadLetter(record, result.reason);
        deadLettered++;
        logger.warn(
          { partition: record.partition, offset: record.offset, reason: result.reason },
          'record dead-lettered',
        );
      }
    }
    return [events, deadLettered];
  };

  const commit = async (
    batches: PartitionBatch[],
    write: (batches: StoreBatch[]) => Promise<CommitResult>,
  ): Promise<void> => {
    const toStore: StoreBatch[] = [];
    let deadLettered = 0;
    for (const batch of batches) {
      const [events, parked] = await eventsOf(batch);
      toStore.push({ partition: batch.partition, nextOffset: batch.nextOffset, events });
      deadLettered += parked;
    }
    const started = performance.now();
    const committed = await write(toStore);
    observer.batch(
      { stored: committed.stored, duplicate: committed.duplicates, dead_lettered: deadLettered },
      (performance.now() - started) / 1000,
    );
  };
  // A store with a dear commit (DuckDB) takes a pass's partitions in one transaction.
  const together = store.capabilities.commitTogether;

  const consumer: LogConsumer = await log.consume({
    groupId: options.groupId,
    maxBatchRecords: options.batchSize,
    resumeFrom: (partition) => store.checkpoint(partition),
    handle: (batch) => commit([batch], ([one]) => store.commit(one!)),
    ...(together && {
      handleTogether: (batches) => commit(batches, (all) => together.commitTogether(all)),
    }),
  });
  const lagTimer = setInterval(() => {
    consumer.lag().then(
      (lag) => observer.lag(lag),
      (error: unknown) => logger.warn({ err: error }, 'reading consumer lag failed'),
    );
    observer.stopped(consumer.stopped());
  }, 5_000);
  lagTimer.unref();
  logger.info({ groupId: options.groupId, partitions: log.partitions }, 'processor started');

  return {
    async stop() {
      clearInterval(lagTimer);
      await consumer.close();
      logger.info('processor stopped');
    },
  };
}
