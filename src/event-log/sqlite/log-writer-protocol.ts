import type { BatchSection } from './record-batch.js';

/** What the main thread asks of the log's writer thread (log-writer-worker.ts). Every request is answered once, in order. */
export type WriterRequest =
  | { type: 'append'; buffer: ArrayBuffer; sections: BatchSection[] }
  | { type: 'commit-offsets'; groupId: string; offsets: Array<[partition: number, offset: number]> }
  | {
      type: 'dead-letter';
      partition: number;
      offset: number;
      key: string;
      value: Uint8Array;
      reason: string;
    }
  | { type: 'expire'; olderThan: number }
  | { type: 'ping' }
  | { type: 'close' };

export type WriterMessage = WriterRequest & { id: number };

export type WriterReply =
  { id: number; ok: true; result: number } | { id: number; ok: false; message: string };

export interface WriterSettings {
  path: string;
  busyTimeoutMs: number;
}
