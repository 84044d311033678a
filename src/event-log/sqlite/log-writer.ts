import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type {
  WriterMessage,
  WriterReply,
  WriterRequest,
  WriterSettings,
} from './log-writer-protocol.js';

interface Pending {
  resolve: (result: number) => void;
  reject: (error: Error) => void;
}

/**
 * The main thread's side of the writer thread: requests go out in order, each answer settles its
 * promise. A writer thread that dies fails what it had not answered and is started again on the
 * next request (the log file is the state; the thread holds none).
 */
export class LogWriter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly settings: WriterSettings,
    private readonly logger: Logger,
  ) {}

  request(request: WriterRequest, transfer: ArrayBuffer[] = []): Promise<number> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id } satisfies WriterMessage, transfer);
    });
  }

  /** Lets the writer finish what it was asked, closes its connection and ends the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await this.request({ type: 'close' }).catch(() => undefined);
    await exited;
  }

  private start(): Worker {
    const worker = spawnWriter(this.settings);
    worker.on('message', (reply: WriterReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      // Idle, the thread must not keep the process alive (a log someone forgot to close).
      if (this.pending.size === 0 && !this.closing) worker.unref();
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(reply.message));
    });
    worker.on('error', (error) =>
      this.logger.error({ err: error }, 'the event log writer thread failed'),
    );
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      const stopped = new Error(`the event log writer thread stopped (exit code ${code})`);
      for (const [id, waiter] of this.pending) {
        this.pending.delete(id);
        waiter.reject(stopped);
      }
    });
    return worker;
  }
}

/**
 * From the build the thread runs log-writer-worker.js; from the TypeScript sources (tests, tsx)
 * there is no .js beside this file, so the thread registers tsx's loader first.
 */
function spawnWriter(settings: WriterSettings): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts'))
    return new Worker(new URL('./log-writer-worker.js', here), { workerData: settings });
  const entry = new URL('./log-writer-worker.ts', here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(source, { eval: true, workerData: settings });
}
