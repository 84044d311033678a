import { lastLines, runCommand } from './command.js';
import { toolJvmArgs } from './kafka-config.js';
import { ServicesError } from './types.js';

/** The probe's own topic; the double underscore keeps it out of the app's namespace. */
export const HEALTHCHECK_TOPIC = '__clickstream_healthcheck';

export interface KafkaProbeOptions {
  readonly javaBin: string;
  readonly libs: string;
  readonly toolsLog4j: string;
  readonly bootstrap: readonly string[];
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * A real produce→consume round trip with Kafka's own tool: EndToEndLatency subscribes a consumer
 * at the log end, produces a record with acks=all, and fails unless it reads the same bytes
 * back. With more than one node the topic is created first, replicated, so acks=all proves
 * that replication works too.
 */
export async function kafkaRoundTrip(opts: KafkaProbeOptions): Promise<string> {
  if (opts.replicationFactor > 1) await createHealthcheckTopic(opts);
  const args = [
    ...toolJvmArgs(opts.toolsLog4j),
    '-cp',
    `${opts.libs}/*`,
    'org.apache.kafka.tools.EndToEndLatency',
    '--bootstrap-server',
    opts.bootstrap.join(','),
    '--topic',
    HEALTHCHECK_TOPIC,
    '--num-records',
    '1',
    '--producer-acks',
    'all',
    '--record-size',
    '64',
  ];
  const result = await runCommand(opts.javaBin, args, {
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
  });
  if (result.code !== 0) {
    throw new Error(
      `round trip failed${result.timedOut ? ' (timed out)' : ''}: ${lastLines(result.stdout + result.stderr, 5)}`,
    );
  }
  const latency = /Avg latency: ([\d.]+) ms/.exec(result.stdout)?.[1];
  return latency === undefined ? 'round trip ok' : `round trip ${Math.round(Number(latency))} ms`;
}

async function createHealthcheckTopic(opts: KafkaProbeOptions): Promise<void> {
  const args = [
    ...toolJvmArgs(opts.toolsLog4j),
    '-cp',
    `${opts.libs}/*`,
    'org.apache.kafka.tools.TopicCommand',
    '--bootstrap-server',
    opts.bootstrap.join(','),
    '--create',
    '--if-not-exists',
    '--topic',
    HEALTHCHECK_TOPIC,
    '--partitions',
    '1',
    '--replication-factor',
    String(opts.replicationFactor),
    '--config',
    `min.insync.replicas=${opts.minInsyncReplicas}`,
  ];
  const result = await runCommand(opts.javaBin, args, {
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
  });
  if (result.code !== 0) {
    throw new Error(
      `creating ${HEALTHCHECK_TOPIC} failed: ${lastLines(result.stdout + result.stderr, 5)}`,
    );
  }
}

/** Formats a node's log directory for the cluster (kafka-storage.sh format). */
export async function formatStorage(
  javaBin: string,
  libs: string,
  toolsLog4j: string,
  clusterId: string,
  config: string,
): Promise<void> {
  const args = [
    ...toolJvmArgs(toolsLog4j),
    '-cp',
    `${libs}/*`,
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    clusterId,
    '--config',
    config,
  ];
  const result = await runCommand(javaBin, args, { timeoutMs: 60_000 });
  if (result.code !== 0) {
    throw new ServicesError(
      `kafka storage format failed: ${lastLines(result.stdout + result.stderr, 10)}`,
    );
  }
}
