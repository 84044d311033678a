import type { Client, QueryOptions, types } from 'cassandra-driver';

export interface Statement {
  query: string;
  params: unknown[];
}

/** Requests in flight at once from one commit or read; enough to keep a small cluster busy. */
const CONCURRENCY = 64;
/**
 * Unlogged batches stay under Cassandra's default batch_size_warn_threshold (5 KiB). They are
 * built from statements of one partition (then the batch is one mutation applied at once on each
 * replica, a single round trip, with no batchlog), or from at most 10 one-row partitions whose
 * rows are each idempotent (the event ids), to save a request per row.
 */
const BATCH_BYTES = 4_096;

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
   * Writes groups of statements as unlogged batches of bounded size: a group is one partition, or
   * a few one-row partitions of idempotent rows (see BATCH_BYTES).
   */
  async writePartitions(groups: Iterable<readonly Statement[]>): Promise<void> {
    const chunks: Statement[][] = [];
    for (const group of groups) chunks.push(...chunkBySize(group));
    await this.map(chunks, async (chunk) => {
      if (chunk.length === 1) await this.execute(chunk[0]!.query, chunk[0]!.params);
      else await this.client.batch(chunk, { prepare: true, logged: false });
    });
  }
}

function chunkBySize(statements: readonly Statement[]): Statement[][] {
  const chunks: Statement[][] = [];
  let chunk: Statement[] = [];
  let bytes = 0;
  for (const statement of statements) {
    const size = estimateBytes(statement);
    if (chunk.length > 0 && bytes + size > BATCH_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(statement);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
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
