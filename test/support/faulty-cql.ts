import type { Client } from 'cassandra-driver';

/** What happens to the statement a fault picks. */
export type FaultKind =
  /** Refused before it reaches Cassandra: nothing applied. */
  | 'fail'
  /** Applied, then reported as timed out: the caller cannot tell it landed. */
  | 'timeout-after-apply'
  /** Reported as timed out at once and applied later, after statements sent after it. */
  | 'late';

export interface Fault {
  kind: FaultKind;
  /** The index, from 0, of the statement it hits among those sent after the fault was armed. */
  at: number;
  /** For 'late': how long after the caller's error the statement is applied. */
  delayMs: number;
}

/**
 * A driver client that injects one fault at a time into the statements (single or batched) sent
 * through it, as a lost connection, a coordinator timeout or a slow replica would. Whatever it
 * delays is tracked, so a test waits for every late write to land before it checks the result.
 */
export function faultyClient(client: Client) {
  let armed: Fault | null = null;
  let seen = 0;
  const late: Array<Promise<unknown>> = [];

  const inject = <T>(send: () => Promise<T>, describe: () => string): Promise<T> => {
    const fault = armed;
    if (!fault || seen++ !== fault.at) return send();
    armed = null;
    const error = new Error(`injected ${fault.kind} on statement ${fault.at}: ${describe()}`);
    if (fault.kind === 'fail') return Promise.reject(error);
    if (fault.kind === 'timeout-after-apply') return send().then(() => Promise.reject(error));
    late.push(
      new Promise((resolve) => setTimeout(resolve, fault.delayMs)).then(() =>
        send().catch(() => undefined),
      ),
    );
    return Promise.reject(error);
  };

  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'execute')
        return (query: string, params: unknown[], options: object) =>
          inject(
            () => target.execute(query, params, options),
            () => query.slice(0, 60),
          );
      if (property === 'batch')
        return (queries: Array<{ query: string; params: unknown[] }>, options: object) =>
          inject(
            () => target.batch(queries, options),
            () => `batch of ${queries.length}: ${queries[0]?.query.slice(0, 50)}`,
          );
      return Reflect.get(target, property, receiver) as unknown;
    },
  });

  return {
    client: proxy,
    /** Hits the `fault.at`-th statement from now on. */
    arm(fault: Fault | null): void {
      armed = fault;
      seen = 0;
    },
    /** Whether the armed fault has not hit yet (its statement index was not reached). */
    get pending(): boolean {
      return armed !== null;
    },
    /** Resolves once every late statement has been applied (or refused by Cassandra). */
    async drain(): Promise<void> {
      while (late.length > 0) await Promise.all(late.splice(0));
    },
  };
}
