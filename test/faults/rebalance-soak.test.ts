import { describe, expect, it } from 'vitest';
import { runRebalanceSoak } from '../support/rebalance-soak.js';

/**
 * A short run of the rebalance soak (`npm run soak -- --runs 10` runs the full two minutes ten
 * times): three processors in one consumer group, one of them stopped (SIGTERM or SIGKILL) and
 * started again every 6 s under load, then every acknowledged event must be counted exactly once.
 */
describe('fault: processors coming and going under load', () => {
  it('counts every acknowledged event once while partitions move between three processors', async () => {
    const result = await runRebalanceSoak({
      kafkaBrokers: process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092',
      cassandra: process.env.CLICKSTREAM_TEST_CASSANDRA ?? '127.0.0.1:9042',
      durationMs: 40_000,
      everyMs: 6_000,
      rate: 250,
      processors: 3,
      log: () => undefined,
    });
    console.info(`rebalance soak: ${result.summary}`);
    if (result.diagnosis) console.info(result.diagnosis);
    expect(
      result.terminated + result.killed,
      'processors stopped during the load',
    ).toBeGreaterThanOrEqual(5);
    expect(result.killed).toBeGreaterThan(0);
    expect(result.load.accepted).toBeGreaterThan(5_000);
    expect(result.ok, result.summary).toBe(true);
  }, 300_000);
});
