/**
 * The records the processor parked (EventLog.deadLetter) because it could not process them, kept
 * for a person: to look at them, and to put them back into the event log once a fix makes them
 * processable. Adapters: the dead_letters table of the embedded log, and Kafka's dead-letter topic.
 */
export interface DeadLetter {
  /** Where the record was in the event log. */
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
  reason: string;
  /** When it was parked, ms since the epoch. */
  parkedAt: number;
}

export interface DeadLetterQueue {
  /** Parked records not replayed yet, oldest first, at most `limit`. */
  pending(limit: number): Promise<DeadLetter[]>;
  /**
   * Appends every pending record back to the event log, unchanged (same key, same bytes), and marks
   * it replayed; resolves to how many. At least once: a replay cut short may append a record twice,
   * which the store counts once (events are keyed by event_id). A record that still cannot be
   * processed is parked again. Run one replay at a time.
   */
  replay(): Promise<number>;
  close(): Promise<void>;
}
