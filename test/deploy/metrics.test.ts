import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ClickstreamError } from '../../src/domain/errors.js';
import { instrumentEventLog } from '../../src/observability/event-log-metrics.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { instrumentStore } from '../../src/observability/store-metrics.js';
import type { EventLog } from '../../src/ports/event-log.js';
import type { Store } from '../../src/ports/store-capabilities.js';
import { requireProgram } from './support/tools.js';

async function sample(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  // A histogram's _count and _bucket series are values of the histogram, named by metricName.
  const values = (await metrics.registry.getMetricsAsJSON()).flatMap((m) =>
    m.values.map((v) => ({ ...v, series: (v as { metricName?: string }).metricName ?? m.name })),
  );
  return values.find(
    (v) => v.series === name && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
  )?.value;
}

function fakeLog(append: EventLog['append']): EventLog {
  return {
    partitions: 1,
    append,
    consume: () => Promise.reject(new Error('unused')),
    deadLetter: async () => {},
    close: async () => {},
  };
}

function fakeStore(fail: boolean): Store {
  const maybe = async <T>(value: T) => {
    if (fail) throw new ClickstreamError('STORE_UNAVAILABLE', 'down');
    return value;
  };
  return {
    kind: 'fake',
    capabilities: {},
    commit: () => maybe({ stored: 1, duplicates: 0 }),
    eraseVisitor: () => maybe(0),
    checkpoint: () => maybe(null),
    resetCheckpoint: () => maybe(undefined),
    aggregate: () => maybe({ groups: [], rowsRead: 0, sampleFraction: 1 }),
    firstEventAt: () => maybe(null),
    visitorEvents: () => maybe({ events: [], nextCursor: null }),
    sites: () => maybe([]),
    ping: () => maybe(undefined),
    close: async () => {},
  };
}

describe('/metrics', () => {
  it('follows Prometheus naming conventions (promtool check metrics)', async () => {
    const metrics = createMetrics({
      roles: ['ingest', 'processor', 'query'],
      eventLog: 'sqlite',
      store: 'sqlite',
    });
    metrics.http.request('POST', '/track', 202, 0.002, 350);
    metrics.http.graphql('query', 'pageViews', 'ok', 0.004);
    metrics.ingest.received(3);
    metrics.ingest.rejected('element.text');
    metrics.processor.batch({ stored: 2, duplicate: 1, dead_lettered: 0 }, 0.01);
    metrics.processor.lag(new Map([[0, 5]]));
    const promtool = requireProgram(
      'promtool',
      "It comes with Debian's prometheus package: `apt-get install -y prometheus` (.ci/run does this).",
    );
    const check = spawnSync(promtool, ['check', 'metrics'], {
      input: await metrics.registry.metrics(),
      encoding: 'utf8',
    });
    // prom-client's own default metrics are outside our control; every clickstream-specific line is ours.
    const ours = `${check.stdout}${check.stderr}`
      .split('\n')
      .filter(
        (line) => line.startsWith('clickstream_') && !/clickstream_(process|nodejs)_/.test(line),
      );
    expect(ours).toEqual([]);
  });

  it('counts appends, bytes, errors by code and appends in flight around any EventLog', async () => {
    const metrics = createMetrics();
    let release: () => void = () => {};
    const pending = new Promise<void>((r) => (release = r));
    const log = instrumentEventLog(
      fakeLog(() => pending),
      metrics.eventLog,
    );
    const appending = log.append([{ key: 'site:v', value: Buffer.from('12345') }]);
    expect(await sample(metrics, 'clickstream_log_appends_in_flight')).toBe(1);
    release();
    await appending;
    expect(await sample(metrics, 'clickstream_log_appends_in_flight')).toBe(0);
    expect(await sample(metrics, 'clickstream_log_appended_records_total')).toBe(1);
    expect(await sample(metrics, 'clickstream_log_appended_bytes_total')).toBe('site:v'.length + 5);

    const failing = instrumentEventLog(
      fakeLog(() => Promise.reject(new ClickstreamError('LOG_OVERLOADED', 'full'))),
      metrics.eventLog,
    );
    await expect(failing.append([{ key: 'k', value: Buffer.alloc(1) }])).rejects.toThrow('full');
    expect(
      await sample(metrics, 'clickstream_log_append_errors_total', { code: 'LOG_OVERLOADED' }),
    ).toBe(1);
    expect(
      await sample(metrics, 'clickstream_log_append_errors_total', { code: 'LOG_UNAVAILABLE' }),
    ).toBe(0);
  });

  it('times every store call by operation and counts the failures, around any store', async () => {
    const metrics = createMetrics();
    const store = instrumentStore(fakeStore(false), metrics.store);
    await store.commit({ partition: 0, nextOffset: 1, events: [] });
    await store.ping();
    const broken = instrumentStore(fakeStore(true), metrics.store);
    await expect(broken.aggregate({} as never)).rejects.toThrow('down');
    expect(
      await sample(metrics, 'clickstream_store_operation_duration_seconds_count', {
        operation: 'commit',
        kind: 'write',
      }),
    ).toBe(1);
    expect(
      await sample(metrics, 'clickstream_store_operation_duration_seconds_count', {
        operation: 'ping',
        kind: 'read',
      }),
    ).toBe(1);
    expect(
      await sample(metrics, 'clickstream_store_operation_errors_total', {
        operation: 'aggregate',
        kind: 'read',
      }),
    ).toBe(1);
    expect(
      await sample(metrics, 'clickstream_store_operation_errors_total', {
        operation: 'commit',
        kind: 'write',
      }),
    ).toBe(0);
  });

  it('reports lag only for the partitions a processor owns now', async () => {
    const metrics = createMetrics();
    metrics.processor.lag(
      new Map([
        [0, 5],
        [1, 7],
      ]),
    );
    metrics.processor.lag(new Map([[1, 3]]));
    expect(
      await sample(metrics, 'clickstream_processor_lag_records', { partition: '0' }),
    ).toBeUndefined();
    expect(await sample(metrics, 'clickstream_processor_lag_records', { partition: '1' })).toBe(3);
  });
});
