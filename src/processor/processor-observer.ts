/** What the processor reports about itself; observability turns it into metrics. */
export interface ProcessorObserver {
  batch(
    outcomes: { stored: number; duplicate: number; dead_lettered: number },
    commitSeconds: number,
  ): void;
  lag(byPartition: Map<number, number>): void;
  /** Partitions the consumer will not read until an operator resets them (LogConsumer.stopped). */
  stopped(partitions: ReadonlyMap<number, string>): void;
}
