import { parseArgs } from 'node:util';
import { MAX_NODES } from './layout.js';
import type { ServiceName } from './types.js';
import { SERVICE_NAMES, ServicesError } from './types.js';

export const USAGE = `usage: npx tsx services/services.ts <command> [options]

commands:
  up                 start what is not running; wait until each service really serves
  down               stop every node (data, logs and downloads are kept)
  status             one line per node; exit 0 only if every node is up
  check              status, then a real round trip (Kafka produce/consume, Cassandra CQL query)
  wipe               stop, then delete data, logs and cluster state (downloads are kept)
  start <service> <n>  start node n of kafka|cassandra (fault tests)
  stop  <service> <n>  stop node n of kafka|cassandra (fault tests)
  nodetool <n> <args>  Cassandra's nodetool against node n, e.g. \`nodetool 1 status\`

options:
  --kafka-nodes N      nodes when the Kafka cluster is first created (default 1, max ${MAX_NODES})
  --cassandra-nodes N  nodes when the Cassandra cluster is first created (default 1, max ${MAX_NODES})
  --only kafka|cassandra   act on one service only

environment:
  CLICKSTREAM_SERVICES_DIR        state folder (default <repo>/.services)
  CLICKSTREAM_SERVICES_CACHE      download cache (default <state folder>/cache)
  CLICKSTREAM_SERVICES_JAVA_HOME  JDK to run both (default JAVA_HOME, then java on PATH)`;

/** A mistake on the command line: exit code 2, with the usage text. */
export class UsageError extends ServicesError {}

export type Command =
  'up' | 'down' | 'status' | 'check' | 'wipe' | 'start' | 'stop' | 'nodetool' | 'help';

export interface CliArgs {
  readonly command: Command;
  readonly services: readonly ServiceName[];
  readonly nodes: Readonly<Partial<Record<ServiceName, number>>>;
  /** For start/stop/nodetool: the node index. */
  readonly nodeIndex: number | undefined;
  /** For nodetool: its arguments, untouched. */
  readonly passthrough: readonly string[];
}

function parseOptions(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'kafka-nodes': { type: 'string' },
        'cassandra-nodes': { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

const COMMANDS: readonly Command[] = [
  'up',
  'down',
  'status',
  'check',
  'wipe',
  'start',
  'stop',
  'help',
];

function parseService(value: string | undefined, what: string): ServiceName {
  const service = SERVICE_NAMES.find((name) => name === value);
  if (service === undefined)
    throw new UsageError(`${what} must be kafka or cassandra, got ${value ?? 'nothing'}`);
  return service;
}

function parseCount(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) {
    throw new UsageError(`${what} must be a whole number 1..${MAX_NODES}, got ${value}`);
  }
  return count;
}

export function parseCli(argv: readonly string[]): CliArgs {
  if (argv[0] === 'nodetool') {
    const nodeIndex = parseCount(argv[1], "nodetool's node number");
    return {
      command: 'nodetool',
      services: ['cassandra'],
      nodes: {},
      nodeIndex,
      passthrough: argv.slice(2),
    };
  }
  const { values, positionals } = parseOptions(argv);
  const [first, second, third] = positionals;
  const command = values.help === true ? 'help' : COMMANDS.find((c) => c === (first ?? 'help'));
  if (command === undefined) throw new UsageError(`unknown command ${first ?? ''}\n\n${USAGE}`);
  const nodes = {
    kafka: parseCount(values['kafka-nodes'], '--kafka-nodes'),
    cassandra: parseCount(values['cassandra-nodes'], '--cassandra-nodes'),
  };
  if (command === 'start' || command === 'stop') {
    const service = parseService(second, `${command}'s first argument`);
    const nodeIndex = parseCount(third ?? '1', `${command}'s node number`);
    return { command, services: [service], nodes, nodeIndex, passthrough: [] };
  }
  const only = values.only === undefined ? undefined : parseService(values.only, '--only');
  return {
    command,
    services: only === undefined ? SERVICE_NAMES : [only],
    nodes,
    nodeIndex: undefined,
    passthrough: [],
  };
}
