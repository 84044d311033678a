import type { PrometheusServer } from './prometheus-server.js';
import { isExternal, type PromqlSource } from './promql-sources.js';

export async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function hasNumber(data: { resultType: string; result: any }): boolean {
  if (data.resultType === 'scalar') return Number.isFinite(Number(data.result[1]));
  return data.result.some((sample: { value: [number, string] }) =>
    Number.isFinite(Number(sample.value[1])),
  );
}

export interface Evaluation {
  failures: string[];
  withData: number;
  /** Where an expression was only parsed: its signal is undefined, or (unless `external`) it is about Kafka or Cassandra. */
  parsedOnly: string[];
}

/**
 * Every expression must parse; its signal must return a number. With `external: false` the
 * expressions about Kafka's and Cassandra's own metrics are parsed only (an embedded Clickstream
 * has neither); with `external: true` they must return data too. Every failure is collected, not
 * only the first, so one run shows everything that needs fixing.
 */
export async function evaluate(
  prometheus: PrometheusServer,
  sources: readonly PromqlSource[],
  options: { external: boolean },
): Promise<Evaluation> {
  const failures: string[] = [];
  const parsedOnly: string[] = [];
  let withData = 0;
  for (const source of sources) {
    try {
      await prometheus.api('query', { query: source.expr });
      if ((!options.external && isExternal(source)) || source.signal === undefined) {
        parsedOnly.push(source.where);
        continue;
      }
      const answer = await prometheus.api('query', { query: source.signal });
      if (hasNumber(answer.data)) withData++;
      else failures.push(`${source.where}: no data for ${source.signal}`);
    } catch (error) {
      failures.push(`${source.where}: ${(error as Error).message}`);
    }
  }
  return { failures, withData, parsedOnly };
}
