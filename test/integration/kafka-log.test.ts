import { Admin, Consumer, stringDeserializer } from '@platformatic/kafka';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isClickstreamError } from '../../src/domain/errors.js';
import { decodeEvent, encodeEvent, logKey } from '../../src/domain/event-codec.js';
import { DLQ_HEADERS } from '../../src/event-log/kafka/kafka-dead-letters.js';
import { createKafkaLog, KafkaLog } from '../../src/event-log/kafka/kafka-log.js';
import type { KafkaLogOptions, KafkaTuning } from '../../src/event-log/kafka/kafka-options.js';
import type {
  EventLog,
  LogConsumer,
  LogRecord,
  PartitionBatch,
} from '../../src/ports/event-log.js';
import { eventually, makeEvent } from '../support/events.js';

const brokers = (process.env.CLICKSTREAM_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const logger = pino({ level: process.env.CLICKSTREAM_TEST_LOG_LEVEL ?? 'silent' });
const fastGroup: Partial<KafkaTuning> = {
  heartbeatIntervalMs: 500,
  sessionTimeoutMs: 10_000,
  fetchMaxWaitMs: 100,
  closeTimeoutMs: 5_000,
};
const createdTopics: string[] = [];
const closers: Array<() => Promise<unknown>> = [];

function logOptions(overrides: Partial<KafkaLogOptions> = {}): KafkaLogOptions {
  const run = randomUUID().slice(0, 8);
  const options: KafkaLogOptions = {
    brokers,
    clientId: 'clickstream-test',
    topic: `clickstream.test.${run}`,
    dlqTopic: `clickstream.test.${run}.dlq`,
    partitions: 3,
    replicationFactor: 1,
    maxPendingBytes: 16 * 1024 * 1024,
    logger,
    tuning: fastGroup,
    ...overrides,
  };
  createdTopics.push(options.topic, options.dlqTopic);
  return options;
}

async function openLog(options: KafkaLogOptions): Promise<KafkaLog> {
  const log = await createKafkaLog(options);
  closers.push(() => log.close());
  return log;
}

async function consume(
  log: EventLog,
  groupId: string,
  handle: (batch: PartitionBatch) => Promise<void>,
): Promise<LogConsumer> {
  const consumer = await log.consume({ groupId, resumeFrom: () => Promise.resolve(null), handle });
  closers.push(() => consumer.close());
  return consumer;
}

afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

afterAll(async () => {
  const admin = new Admin({ clientId: 'clickstream-test-cleanup', bootstrapBrokers: brokers });
  try {
    const existing = new Set(await admin.listTopics());
    const topics = createdTopics.filter((t) => existing.has(t));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.close();
  }
});

describe('KafkaLog on a real broker', { timeout: 60_000 }, () => {
  it('parks a record that cannot be decoded in the dead-letter topic, with the reason, and goes on', async () => {
    const options = logOptions();
    const log = await openLog(options);
    const good = makeEvent();
    await log.append([
      { key: 'site:bad-json', value: Buffer.from('{not json') },
      { key: logKey(good), value: encodeEvent(good) },
      { key: 'site:bad-shape', value: Buffer.from('{"event_type":"page_view"}') },
    ]);
    const decoded: string[] = [];
    await consume(log, `dlq-${randomUUID()}`, async (batch) => {
      // What the processor's decode step does: dead-letter the record and carry on.
      for (const record of batch.records) {
        const result = decodeEvent(record.value);
        if (result.ok) decoded.push(result.event.event_id);
        else await log.deadLetter(record, result.reason);
      }
    });
    await eventually(
      async () => decoded.length,
      (n) => n >= 1,
      20_000,
    );
    expect(decoded).toEqual([good.event_id]);

    const parked = await readTopic(options.dlqTopic, 2);
    const byKey = new Map(parked.map((m) => [m.key, m]));
    expect(byKey.get('site:bad-json')?.value).toBe('{not json');
    expect(byKey.get('site:bad-json')?.headers.get(DLQ_HEADERS.reason)).toMatch(/^not JSON/);
    expect(byKey.get('site:bad-shape')?.headers.get(DLQ_HEADERS.reason)).toBeTruthy();
    expect(byKey.get('site:bad-shape')?.headers.get(DLQ_HEADERS.topic)).toBe(options.topic);
    expect(
      Number(byKey.get('site:bad-shape')?.headers.get(DLQ_HEADERS.offset)),
    ).toBeGreaterThanOrEqual(0);
  });

  it("moves a leaving member's partitions to the other member, which resumes from the committed offsets", async () => {
    const log = await openLog(logOptions({ partitions: 6 }));
    const groupId = `rebalance-${randomUUID()}`;
    const seen = { a: [] as LogRecord[], b: [] as LogRecord[] };
    const handler = (name: 'a' | 'b') => async (batch: PartitionBatch) =>
      void seen[name].push(...batch.records);
    const appendPhase = async (phase: number) => {
      const records = Array.from({ length: 40 }, (_, i) => ({
        key: `site:visitor-${i}`,
        value: Buffer.from(`${phase}:${i}`),
      }));
      await log.append(records);
      return records.map((r) => r.value.toString());
    };
    const handled = () => new Set([...seen.a, ...seen.b].map((r) => r.value.toString()));

    await consume(log, groupId, handler('a'));
    const phase1 = await appendPhase(1);
    await eventually(
      async () => handled(),
      (h) => phase1.every((v) => h.has(v)),
      20_000,
    );

    const b = await consume(log, groupId, handler('b'));
    const phase2 = await appendPhase(2);
    await eventually(
      async () => handled(),
      (h) => phase2.every((v) => h.has(v)),
      20_000,
    );
    expect(seen.b.length).toBeGreaterThan(0);

    // b leaves: it finishes and commits what it handled, then its partitions go to a.
    await b.close();
    const aBefore = seen.a.length;
    const bHandled = new Set(seen.b.map(id));
    const phase3 = await appendPhase(3);
    await eventually(
      async () => handled(),
      (h) => phase3.every((v) => h.has(v)),
      20_000,
    );

    const aAfter = seen.a.slice(aBefore);
    expect(aAfter.filter((r) => bHandled.has(id(r)))).toEqual([]);
    expect(aAfter.some((r) => [...bHandled].some((b) => b.startsWith(`${r.partition}:`)))).toBe(
      true,
    );
    const all = [...seen.a, ...seen.b].map((r) => r.value.toString());
    for (const v of [...phase1, ...phase2, ...phase3]) expect(all).toContain(v);
    // Kafka is at-least-once across a rebalance: a batch in flight while its partition moves can
    // be handled twice (the store's checkpoint absorbs it). Phase 3 ran without a join, so once.
    expect(phase3.map((v) => all.filter((x) => x === v).length)).toEqual(phase3.map(() => 1));
  });
  it('moves a position outside the log (records deleted by retention) to the nearest offset instead of wedging', async () => {
    const options = logOptions({ partitions: 1 });
    const log = await openLog(options);
    await log.append(
      [0, 1, 2, 3, 4].map((n) => ({ key: 'site:v', value: Buffer.from(String(n)) })),
    );
    const admin = new Admin({ clientId: 'clickstream-test-retention', bootstrapBrokers: brokers });
    try {
      await admin.deleteRecords({
        topics: [{ name: options.topic, partitions: [{ partition: 0, offset: 3n }] }],
      });
    } finally {
      await admin.close();
    }
    const seen: string[] = [];
    // The store's checkpoint says 1, but retention already removed offsets 0-2.
    const consumer = await log.consume({
      groupId: `retention-${randomUUID()}`,
      resumeFrom: () => Promise.resolve(1),
      handle: async (b) => void seen.push(...b.records.map((r) => r.value.toString())),
    });
    closers.push(() => consumer.close());
    await eventually(
      async () => seen.length,
      (n) => n >= 2,
      20_000,
    );
    expect(seen).toEqual(['3', '4']);
  });
});

describe('KafkaLog when Kafka is unreachable', { timeout: 60_000 }, () => {
  const unreachable: Partial<KafkaTuning> = {
    connectTimeoutMs: 500,
    requestTimeoutMs: 2_000,
    retries: 1,
    retryDelayMs: 100,
  };

  it('refuses an append promptly with LOG_UNAVAILABLE (503) when nothing listens', async () => {
    const port = await freePort();
    const log = new KafkaLog({
      ...logOptions(),
      brokers: [`127.0.0.1:${port}`],
      tuning: { ...unreachable, appendTimeoutMs: 3_000 },
    });
    closers.push(() => log.close());
    const started = Date.now();
    const error = await log
      .append([{ key: 'site:v', value: Buffer.from('{}') }])
      .catch((e: unknown) => e);
    expect(isClickstreamError(error) && error.code).toBe('LOG_UNAVAILABLE');
    expect(isClickstreamError(error) && error.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3_500);
  });

  it('keeps memory bounded: beyond maxPendingBytes appends are refused with LOG_OVERLOADED, not queued', async () => {
    const hole = await blackhole();
    closers.push(() => hole.close());
    const maxPendingBytes = 64 * 1024;
    const log = new KafkaLog({
      ...logOptions(),
      brokers: [`127.0.0.1:${hole.port}`],
      maxPendingBytes,
      tuning: { ...unreachable, appendTimeoutMs: 1_500 },
    });
    closers.push(() => log.close());
    const value = Buffer.alloc(8 * 1024, 'x');
    const started = Date.now();
    const outcomes = Array.from({ length: 20 }, () =>
      log.append([{ key: 'site:v', value }]).then(
        () => 'ok',
        (e: unknown) => (isClickstreamError(e) ? e.code : 'other'),
      ),
    );
    expect(log.pendingBytes).toBeLessThanOrEqual(maxPendingBytes);
    const codes = await Promise.all(outcomes);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(codes.filter((c) => c === 'LOG_OVERLOADED').length).toBeGreaterThanOrEqual(12);
    expect(codes.filter((c) => c === 'LOG_UNAVAILABLE').length).toBeGreaterThanOrEqual(1);
    expect(codes.every((c) => c === 'LOG_OVERLOADED' || c === 'LOG_UNAVAILABLE')).toBe(true);
    expect(log.pendingBytes).toBeLessThanOrEqual(maxPendingBytes);
  });

  it('recovers by itself once Kafka is reachable again', async () => {
    const options = logOptions();
    await (await createKafkaLog(options)).close();
    const port = await freePort();
    // The log bootstraps through a loopback port where Kafka is "down" until a proxy to the real
    // broker starts listening there. (After bootstrap the client talks to the broker's advertised
    // address, so this stands for an outage at start-up, not a cut of established connections.)
    const log = new KafkaLog({
      ...options,
      brokers: [`127.0.0.1:${port}`],
      tuning: { ...fastGroup, ...unreachable, appendTimeoutMs: 2_000 },
    });
    closers.push(() => log.close());
    const record = { key: 'site:recovered', value: Buffer.from(randomUUID()) };
    const down = await log.append([record]).catch((e: unknown) => e);
    expect(isClickstreamError(down) && down.code).toBe('LOG_UNAVAILABLE');

    const proxy = await tcpProxy(port, brokers[0]!);
    closers.push(() => proxy.close());
    await eventually(
      () =>
        log.append([record]).then(
          () => true,
          () => false,
        ),
      (ok) => ok,
      20_000,
    );

    const reader = await openLog(options);
    const got: LogRecord[] = [];
    await consume(
      reader,
      `recovered-${randomUUID()}`,
      async (batch) => void got.push(...batch.records),
    );
    await eventually(
      async () => got.some((r) => r.value.equals(record.value)),
      (found) => found,
      20_000,
    );
  });
});

const id = (r: LogRecord) => `${r.partition}:${r.offset}`;

interface ReadMessage {
  key: string;
  value: string;
  headers: Map<string, string>;
}

/** Reads the first `count` messages of a topic with a plain client, as an operator's tool would. */
async function readTopic(topic: string, count: number): Promise<ReadMessage[]> {
  const consumer = new Consumer({
    clientId: 'clickstream-test-reader',
    groupId: `reader-${randomUUID()}`,
    bootstrapBrokers: brokers,
    deserializers: {
      key: stringDeserializer,
      value: stringDeserializer,
      headerKey: stringDeserializer,
      headerValue: stringDeserializer,
    },
    maxWaitTime: 200,
  });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const messages: ReadMessage[] = [];
    const timeout = setTimeout(() => void stream.close(), 20_000);
    for await (const m of stream) {
      messages.push({
        key: m.key ?? '',
        value: m.value ?? '',
        headers: new Map([...m.headers].map(([k, v]) => [k ?? '', v ?? ''])),
      });
      if (messages.length >= count) break;
    }
    clearTimeout(timeout);
    await stream.close();
    return messages;
  } finally {
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  }
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** A loopback port with nothing listening on it. */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Closable {
  port: number;
  close(): Promise<void>;
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Accepts connections and never answers: a broker that hangs. */
async function blackhole(): Promise<Closable> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  const port = await listen(server);
  return { port, close: () => closeServer(server, sockets) };
}

/** Forwards a loopback port to a broker. */
async function tcpProxy(port: number, target: string): Promise<Closable> {
  const [host, targetPort] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await listen(server, port);
  return { port, close: () => closeServer(server, sockets) };
}
