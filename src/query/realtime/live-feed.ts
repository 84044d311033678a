import type { Logger } from 'pino';
import { decodeEvent } from '../../domain/event-codec.js';
import type { TrackedEvent } from '../../domain/tracked-event.js';
import type { EventLog, LogConsumer } from '../../ports/event-log.js';
import type { LiveHub } from './live-hub.js';

export interface LiveFeed {
  stop(): Promise<void>;
}

/**
 * Follows the event log for this query instance's live view. The consumer group is this
 * process's own (a fresh id per start) and starts at the end of the log, so every query instance
 * sees every new event, whichever process ingested it, and none replays history on start. Its
 * offsets are never a resume point: resumeFrom is always null.
 */
export async function startLiveFeed(
  log: EventLog,
  hub: LiveHub,
  options: { groupId: string; logger: Logger },
): Promise<LiveFeed> {
  const { logger } = options;
  let undecodable = 0;
  const consumer: LogConsumer = await log.consume({
    groupId: options.groupId,
    startAt: 'latest',
    maxBatchRecords: 1000,
    resumeFrom: async () => null,
    handle: async (batch) => {
      const events: TrackedEvent[] = [];
      for (const record of batch.records) {
        const decoded = decodeEvent(record.value);
        if (decoded.ok) events.push(decoded.event);
        // The processor dead-letters bad records; the live view only skips them.
        else if (undecodable++ % 1000 === 0)
          logger.warn(
            { partition: record.partition, offset: record.offset, reason: decoded.reason },
            'live view skipped an undecodable record',
          );
      }
      hub.publish(events);
    },
  });
  logger.info({ groupId: options.groupId }, 'live view following the event log');
  return {
    async stop() {
      await consumer.close();
    },
  };
}
