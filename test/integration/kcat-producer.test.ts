import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEvent } from '../support/events.js';
import { eventually } from '../support/events.js';
import {
  getJson,
  startServer,
  tempDataDir,
  type ServerProcess,
} from '../support/server-process.js';

const BROKERS = process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';

/** kcat (Debian's package) is a real outside producer: what it writes is processed like ours. */
function kcat(args: string[], input?: string): string {
  return execFileSync('kcat', ['-b', BROKERS, ...args], {
    input,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('an outside producer (kcat) writing to the event topic', { timeout: 120_000 }, () => {
  const id = randomUUID().slice(0, 8);
  const topic = `clickstream.kcat.${id}`;
  const dlq = `${topic}.dlq`;
  const site = `kcat${id}`;
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('has its well-formed events counted and its malformed message dead-lettered with the reason', async () => {
    server = await startServer({
      DATA_DIR: tempDataDir(),
      EVENT_LOG: 'kafka',
      KAFKA_BROKERS: BROKERS,
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: dlq,
      KAFKA_TOPIC_PARTITIONS: '3',
      PROCESSOR_GROUP_ID: `kcat-${id}`,
    });
    const lines = Array.from({ length: 3 }, (_, i) => {
      const event = makeEvent({ site_id: site, visitor_id: `visitor-${i}`, page: '/from-kcat' });
      return `${site}:${event.visitor_id}|${JSON.stringify(event)}`;
    });
    lines.push(`${site}:broken|{"this is": "not an event"`);
    // murmur2_random is the Java client's partitioner: kcat then places keys where Clickstream does.
    kcat(
      ['-P', '-t', topic, '-K', '|', '-X', 'partitioner=murmur2_random'],
      lines.join('\n') + '\n',
    );

    const counted = await eventually(
      () => getJson(`${server!.url}/analytics/page-views/from-kcat?site_id=${site}`),
      (r) => r.body.page_views === 3,
      60_000,
    );
    expect(counted.body).toMatchObject({ page_views: 3, visitors: 3 });
    const parked = await eventually(
      async () => kcat(['-C', '-t', dlq, '-o', 'beginning', '-e', '-q', '-f', '%k\\t%h\\n']),
      (out) => out.includes(`${site}:broken`),
      60_000,
    );
    expect(parked).toMatch(/clickstream-dlq-reason=not JSON/);
  });
});
