import type { Consumer, GroupAssignment } from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { ConsumeOptions, LogConsumer, PartitionBatch } from '../../ports/event-log.js';
import { HandlerFailed, hasProtocolError } from './kafka-errors.js';
import type { FetchedPartition } from './kafka-fetch.js';
import { fetchPartitions } from './kafka-fetch.js';
import { listOffsets, startOffsets } from './kafka-offsets.js';
import type { KafkaTuning } from './kafka-options.js';
import { abortableSleep as sleep } from '../abortable-sleep.js';

export interface KafkaConsumerDeps {
  topic: string;
  tuning: KafkaTuning;
  logger: Logger;
  onClose: () => void;
}

/**
 * One member of a Kafka consumer group. It owns what the group coordinator assigns it, reads each
 * owned partition from its position, hands batches to the handler one at a time and commits the
 * group offset right after the handler resolves. A failing handler is retried from the same
 * position with back-off, never skipped.
 *
 * Rebalances (classic group protocol): the client rejoins the group as soon as the coordinator
 * announces one. Because batches are handled and committed one at a time, the batch in flight is
 * finished and committed before the loop looks at the new assignment; records fetched for a
 * partition that was revoked meanwhile are dropped, and a partition that comes back is restarted
 * from the store's checkpoint, never from a stale in-memory position.
 */
export class KafkaConsumer implements LogConsumer {
  private readonly positions = new Map<number, number>();
  /** Owned partitions whose resume offset is past the log's end: not read (see LogConsumer.stopped). */
  private readonly halted = new Map<number, string>();
  /** Partitions a rebalance took away since the loop last looked at the assignment. */
  private readonly revoked = new Set<number>();
  /** Handled offsets whose commit failed; retried before the next fetch and on close. */
  private readonly uncommitted = new Map<number, number>();
  private readonly abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: Consumer,
    private readonly options: ConsumeOptions,
    private readonly deps: KafkaConsumerDeps,
  ) {
    client.on('consumer:group:join', (payload) => this.onAssignment(payload.assignments ?? []));
    // The client emits 'error' when it could not rejoin after a rebalance; the loop rejoins.
    client.on('error', (error) =>
      deps.logger.warn({ err: error }, 'lost the consumer group membership; rejoining'),
    );
  }

  async start(): Promise<void> {
    this.client.topics.track(this.deps.topic);
    try {
      await this.client.joinGroup({});
      await this.syncAssignment();
    } catch (error) {
      // A member that crashed still holds the group until its session times out, and the broker
      // may be down: keep the process up and let the loop join with back-off.
      this.deps.logger.warn(
        { err: error },
        'could not join the consumer group yet; retrying in the background',
      );
    }
    this.loop = this.run();
  }

  async lag(): Promise<Map<number, number>> {
    const owned = [...this.positions.keys()];
    const ends = await listOffsets(this.client, this.deps.topic, owned, 'latest');
    const lag = new Map<number, number>();
    for (const p of owned) {
      const position = this.positions.get(p);
      const end = ends.get(p);
      if (position !== undefined && end !== undefined) lag.set(p, Math.max(0, end - position));
    }
    return lag;
  }

  stopped(): Map<number, string> {
    return new Map(this.halted);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.abort.abort();
    await this.loop;
    try {
      await this.commitPending();
      // Leaving the group (rather than timing out of it) hands the partitions over at once.
      await withTimeout(this.client.close(), this.deps.tuning.closeTimeoutMs);
    } catch (error) {
      this.deps.logger.warn(
        { err: error },
        'could not leave the consumer group cleanly; the coordinator will time the member out',
      );
    } finally {
      this.deps.onClose();
    }
  }

  private onAssignment(assignments: GroupAssignment[]): void {
    const owned = new Set(assignments.find((a) => a.topic === this.deps.topic)?.partitions ?? []);
    for (const p of this.positions.keys()) if (!owned.has(p)) this.revoked.add(p);
  }

  private owns(partition: number): boolean {
    return this.positions.has(partition) && !this.revoked.has(partition);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.ensureMember();
        await this.syncAssignment();
        await this.commitPending();
        const handled = await this.pollOnce(signal);
        failures = 0;
        if (!handled && this.positions.size === 0)
          await sleep(this.deps.tuning.fetchMaxWaitMs, signal);
      } catch (error) {
        failures++;
        await this.recover(error, failures, signal);
      }
    }
  }

  private async recover(error: unknown, failures: number, signal: AbortSignal): Promise<void> {
    if (hasProtocolError(error, 'OFFSET_OUT_OF_RANGE')) {
      await this.clampPositions().catch((e: unknown) =>
        this.deps.logger.warn({ err: e }, 'could not list the log offsets'),
      );
      return sleep(100, signal);
    }
    const delay = Math.min(this.deps.tuning.maxRetryBackoffMs, 100 * 2 ** Math.min(failures, 9));
    if (error instanceof HandlerFailed) {
      this.deps.logger.error(
        { err: error.cause, retryInMs: delay },
        'processing a batch failed; retrying it',
      );
    } else {
      this.client.clearMetadata();
      this.deps.logger.warn(
        { err: error, retryInMs: delay },
        'reading from Kafka failed; retrying',
      );
    }
    await sleep(delay, signal);
  }

  /** After a failed rejoin the client stops heartbeating; join again rather than sit idle. */
  private async ensureMember(): Promise<void> {
    if (this.client.isActive()) return;
    await this.client.joinGroup({});
  }

  /** Applies what rebalances changed: forget revoked partitions, start newly assigned ones. */
  private async syncAssignment(): Promise<void> {
    for (const p of this.revoked) {
      this.positions.delete(p);
      this.uncommitted.delete(p);
    }
    this.revoked.clear();
    const assigned = this.assigned();
    for (const p of this.positions.keys()) if (!assigned.has(p)) this.positions.delete(p);
    // A stopped partition that went to another member is that member's to report.
    for (const p of this.halted.keys()) if (!assigned.has(p)) this.halted.delete(p);
    const added = [...assigned].filter((p) => !this.positions.has(p) && !this.halted.has(p));
    if (added.length === 0) return;
    const starts = await startOffsets(this.client, this.deps.topic, added, this.options);
    const ends = await listOffsets(this.client, this.deps.topic, added, 'latest');
    // A rebalance during the lookups may already have taken some of them away again.
    const still = this.assigned();
    for (const [p, offset] of starts) {
      if (!still.has(p)) continue;
      const end = ends.get(p);
      if (end !== undefined && offset > end) this.halt(p, offset, end);
      else this.positions.set(p, offset);
    }
    this.deps.logger.debug({ partitions: Object.fromEntries(starts) }, 'partitions assigned');
  }

  /**
   * A resume offset past the end of the log: the topic was deleted and created again (or its log
   * wiped) while the store kept its checkpoints. Jumping to the end would skip the new records up
   * to the old checkpoint without a word, so the partition stops here until an operator decides.
   */
  private halt(partition: number, position: number, end: number): void {
    const reason = `partition ${partition} resumes at offset ${position} but the log ends at ${end}: the topic was recreated or its log wiped while the store kept its checkpoint; reading from the checkpoint would skip every new record below offset ${position}. Check, then run \`clickstream checkpoints reset --partitions ${partition}\` (docs/reliability.md)`;
    this.positions.delete(partition);
    this.uncommitted.delete(partition);
    this.halted.set(partition, reason);
    this.deps.logger.error({ partition, checkpoint: position, logEnd: end }, reason);
  }

  private assigned(): Set<number> {
    return new Set(
      this.client.assignments?.find((a) => a.topic === this.deps.topic)?.partitions ?? [],
    );
  }

  /** One fetch round over the owned partitions; true when any records were handled. */
  private async pollOnce(signal: AbortSignal): Promise<boolean> {
    if (this.positions.size === 0) return false;
    const fetched = await fetchPartitions(
      this.client,
      this.deps.topic,
      new Map(this.positions),
      this.deps.tuning,
    );
    let handled = false;
    for (const part of fetched) {
      if (signal.aborted) break;
      handled = (await this.handlePartition(part, signal)) || handled;
    }
    return handled;
  }

  private async handlePartition(part: FetchedPartition, signal: AbortSignal): Promise<boolean> {
    const { partition } = part;
    const max = this.options.maxBatchRecords ?? 5_000;
    let handled = false;
    for (let i = 0; i < part.records.length; i += max) {
      if (signal.aborted || !this.owns(partition)) return handled;
      const records = part.records.slice(i, i + max);
      const batch: PartitionBatch = { partition, records, nextOffset: records.at(-1)!.offset + 1 };
      try {
        await this.options.handle(batch);
      } catch (error) {
        throw new HandlerFailed(error);
      }
      this.positions.set(partition, batch.nextOffset);
      await this.commit(partition, batch.nextOffset);
      handled = true;
    }
    const position = this.positions.get(partition);
    if (position !== undefined && part.endOffset > position && this.owns(partition))
      this.positions.set(partition, part.endOffset);
    return handled;
  }

  /** A failed commit is not fatal: the store's checkpoint is the truth; it is retried later. */
  private async commit(partition: number, offset: number): Promise<void> {
    if (this.options.startAt === 'latest') return;
    this.uncommitted.set(partition, offset);
    await this.commitPending().catch((error: unknown) =>
      this.deps.logger.warn(
        { err: error, partition, offset },
        'committing the group offset failed; will retry',
      ),
    );
  }

  private async commitPending(): Promise<void> {
    if (this.uncommitted.size === 0) return;
    const pending = new Map(this.uncommitted);
    const offsets = [...pending].map(([partition, offset]) => ({
      topic: this.deps.topic,
      partition,
      offset: BigInt(offset),
      leaderEpoch: -1,
    }));
    await this.client.commit({ offsets });
    for (const [p, offset] of pending)
      if (this.uncommitted.get(p) === offset) this.uncommitted.delete(p);
  }

  /**
   * A position outside the log. Before its start: retention deleted those records (they are lost
   * to this group, so say so) and the position moves up to the earliest. Past its end: the log was
   * recreated under a running consumer, and the partition stops (halt) rather than jump.
   */
  private async clampPositions(): Promise<void> {
    const owned = [...this.positions.keys()];
    const [earliest, latest] = await Promise.all([
      listOffsets(this.client, this.deps.topic, owned, 'earliest'),
      listOffsets(this.client, this.deps.topic, owned, 'latest'),
    ]);
    for (const p of owned) {
      const position = this.positions.get(p)!;
      const low = earliest.get(p) ?? 0;
      const high = latest.get(p) ?? position;
      if (position > high) {
        this.halt(p, position, high);
      } else if (position < low) {
        this.deps.logger.error(
          { partition: p, position, moveTo: low },
          'records before the position were deleted by retention before they were processed; moving to the earliest offset',
        );
        this.positions.set(p, low);
      }
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
