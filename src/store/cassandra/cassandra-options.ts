import { Client, types } from 'cassandra-driver';
import type { Config } from '../../config/config-schema.js';

export type CassandraConsistency = Config['CASSANDRA_CONSISTENCY'];

export interface CassandraOptions {
  /** `host` or `host:port`. */
  contactPoints: readonly string[];
  localDataCenter: string;
  keyspace: string;
  /** `SimpleStrategy:N` or `NetworkTopologyStrategy:dc1=3[:dc2=3]`; applied by the migrations. */
  replication: string;
  consistency: CassandraConsistency;
  username?: string | undefined;
  password?: string | undefined;
  /** Raw events (and sessions) expire this long after they happened; 0 keeps them. */
  rawEventRetentionMs: number;
  /** A resent event_id within this long of its first copy is stored once (default 24 hours). */
  dedupeWindowMs?: number | undefined;
  /** Above this many raw events in a range, a general query reads a sample of the visitor shards; 0 or absent: never. */
  queryRowBudget?: number | undefined;
  /** Whether a page's counts come from events_by_page (default true; false: the general scan, for tests). */
  rollups?: boolean | undefined;
}

const KEYSPACE_NAME = /^[a-z][a-z0-9_]{0,47}$/;

export function cassandraOptionsFrom(config: Config): CassandraOptions {
  return {
    contactPoints: config.CASSANDRA_CONTACT_POINTS,
    localDataCenter: config.CASSANDRA_LOCAL_DC,
    keyspace: config.CASSANDRA_KEYSPACE,
    replication: config.CASSANDRA_REPLICATION,
    consistency: config.CASSANDRA_CONSISTENCY,
    username: config.CASSANDRA_USERNAME,
    password: config.CASSANDRA_PASSWORD,
    rawEventRetentionMs: config.RAW_EVENT_RETENTION_DAYS * 86_400_000,
    queryRowBudget: config.CASSANDRA_QUERY_ROW_BUDGET,
    dedupeWindowMs: config.DEDUPE_WINDOW_HOURS * 3_600_000,
  };
}

const CONSISTENCY: Record<CassandraConsistency, types.consistencies> = {
  ONE: types.consistencies.one,
  LOCAL_ONE: types.consistencies.localOne,
  QUORUM: types.consistencies.quorum,
  LOCAL_QUORUM: types.consistencies.localQuorum,
  ALL: types.consistencies.all,
};

/**
 * The Paxos consistency of the checkpoint's compare-and-set. LOCAL_SERIAL keeps it inside the
 * local data center, matching LOCAL_*; a cluster-wide level asks for a cluster-wide Paxos round.
 */
export function serialConsistencyOf(consistency: CassandraConsistency): types.consistencies {
  return consistency === 'QUORUM' || consistency === 'ALL'
    ? types.consistencies.serial
    : types.consistencies.localSerial;
}

/** Keyspace names end up in CQL text (identifiers cannot be bound), so they are checked here too. */
export function checkKeyspaceName(keyspace: string): string {
  if (!KEYSPACE_NAME.test(keyspace))
    throw new Error(`invalid Cassandra keyspace name: ${JSON.stringify(keyspace)}`);
  return keyspace;
}

/**
 * A driver client with the configured consistency as the default of every statement, prepared
 * statements by default, and no keyspace bound: statements name their keyspace, so the same
 * client also serves the migrations that create it.
 */
export function createCassandraClient(options: CassandraOptions): Client {
  const credentials =
    options.username !== undefined && options.password !== undefined
      ? { username: options.username, password: options.password }
      : undefined;
  return new Client({
    contactPoints: [...options.contactPoints],
    localDataCenter: options.localDataCenter,
    ...(credentials ? { credentials } : {}),
    queryOptions: {
      consistency: CONSISTENCY[options.consistency],
      serialConsistency: serialConsistencyOf(options.consistency),
      prepare: true,
    },
  });
}
