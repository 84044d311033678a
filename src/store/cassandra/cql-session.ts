import type { Client, QueryOptions, types } from 'cassandra-driver';

export interface Statement {
  query: string;
  params: unknown[];
}

/** Requests in flight at once from one commit or read; enough to keep a small cluster busy. */
const CONCURRENCY = 64;
/**
 * Unlogged batches stay under Cassandra's default batch_size_warn_threshold (5 KiB) and touch at
 * most 10 partitions (unlogged_batch_across_partitions_warn_threshold). The rows of one partition
 * go together (one mutation, applied at once on each replica, with no batchlog); the small
 * partitions (a visitor's day, an event id, a digest) share batches, to save a request each.
 */
const BATCH_BYTES = 4_096;
const PARTITIONS_PER_BATCH = 10;

/**
 * The driver calls the store makes: every statement prepared, reads iterated across pages, and
 * many independent requests run with bounded concurrency. On a failure no new request starts and
 * the error is raised once those in flight have settled, so a failed commit leaves nothing running.
 */
export class CqlSession {
  constructor(readonly client: Client) {}

  execute(query: string, params: unknown[], options: QueryOptions = {}): Promise<types.ResultSet> {
    return this.client.execute(query, params, { ...options, prepare: true });
  }

  /** Every row of a read, following the driver's paging. */
  async rows(query: string, params: unknown[], options: QueryOptions = {}): Promise<types.Row[]> {
    const result = await this.execute(query, params, options);
    if (!result.pageState) return result.rows;
    const rows: types.Row[] = [];
    for await (const row of result) rows.push(row);
    return rows;
  }

  async map<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < items.length) {
        const index = next++;
        try {
          results[index] = await run(items[index]!);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
    if (failure) throw failure.error;
    return results;
  }

  /**
   * Writes groups of statements, one group per partition, as unlogged batches of bounded size
   * (see BATCH_BYTES). Only for rows that are idempotent on their own: a batch across partitions
   * is applied partition by partition, and one cut short is written again by the replay.
   */
  async writePartitions(groups: Iterable<readonly Statement[]>): Promise<void> {
    await this.map(packPartitions(groups), async (chunk) => {
      if (chunk.length === 1) await this.execute(chunk[0]!.query, chunk[0]!.params);
      else await this.client.batch(chunk, { prepare: true, logged: false });
    });
  }
}

/**
 * Cuts each partition's statements into chunks of at most BATCH_BYTES; the last (or only) chunk of
 * each partition shares a batch with those of up to nine other partitions.
 */
export function packPartitions(groups: Iterable<readonly Statement[]>): Statement[][] {
  const chunks: Statement[][] = [];
  let shared: Statement[] = [];
  let sharedBytes = 0;
  let sharedPartitions = 0;
  for (const group of groups) {
    const own = chunkBySize(group);
    const last = own.pop();
    if (last === undefined) continue;
    for (const chunk of own) chunks.push(chunk.statements);
    if (sharedPartitions === PARTITIONS_PER_BATCH || sharedBytes + last.bytes > BATCH_BYTES) {
      if (shared.length > 0) chunks.push(shared);
      shared = [];
      sharedBytes = 0;
      sharedPartitions = 0;
    }
    shared.push(...last.statements);
    sharedBytes += last.bytes;
    sharedPartitions++;
  }
  if (shared.length > 0) chunks.push(shared);
  return chunks;
}

interface Chunk {
  statements: Statement[];
  bytes: number;
}

function chunkBySize(statements: readonly Statement[]): Chunk[] {
  const chunks: Chunk[] = [];
  let chunk: Chunk = { statements: [], bytes: 0 };
  for (const statement of statements) {
    const size = estimateBytes(statement);
    if (chunk.statements.length > 0 && chunk.bytes + size > BATCH_BYTES) {
      chunks.push(chunk);
      chunk = { statements: [], bytes: 0 };
    }
    chunk.statements.push(statement);
    chunk.bytes += size;
  }
  if (chunk.statements.length > 0) chunks.push(chunk);
  return chunks;
}

function estimateBytes(statement: Statement): number {
  let bytes = 16;
  for (const param of statement.params) {
    if (typeof param === 'string') bytes += Buffer.byteLength(param);
    else if (param instanceof Uint8Array) bytes += param.length;
    else bytes += 8;
  }
  return bytes;
}
