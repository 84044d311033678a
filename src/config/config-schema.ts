import { Type, type Static } from 'typebox';
import { SITE_ID_CHARS, SiteId } from '../domain/site-id.js';

/**
 * Every setting, with its environment variable, default and rule. One schema gives both the
 * validation and the `Config` type; docs/configuration.md's table is checked against it.
 */
const Port = Type.Integer({ minimum: 0, maximum: 65_535 });
const Positive = (options: { maximum?: number; default: number; description: string }) =>
  Type.Integer({ minimum: 1, ...options });

const SITE = SITE_ID_CHARS;
const ORIGIN = 'https?://[^/\\s|,]+';
const API_KEY = '[A-Za-z0-9._~+/=-]{16,256}';

export const ROLES = ['ingest', 'processor', 'query'] as const;
export type Role = (typeof ROLES)[number];

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ ...Port, default: 8080, description: 'HTTP port.' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Address to listen on.' }),
  DATA_DIR: Type.String({
    minLength: 1,
    default: './data',
    description: 'Folder of the embedded SQLite event log and store.',
  }),
  ROLES: Type.Array(
    Type.Union([Type.Literal('ingest'), Type.Literal('processor'), Type.Literal('query')]),
    {
      minItems: 1,
      default: [...ROLES],
      description: 'Comma-separated roles this process runs: ingest, processor, query.',
    },
  ),
  EVENT_LOG: Type.Union([Type.Literal('sqlite'), Type.Literal('kafka')], {
    default: 'sqlite',
    description: 'Event log adapter: sqlite (embedded) or kafka.',
  }),
  STORE: Type.Union([Type.Literal('duckdb'), Type.Literal('sqlite'), Type.Literal('cassandra')], {
    default: 'duckdb',
    description:
      'Store adapter: duckdb (embedded, columnar) or cassandra. sqlite is the former name of the embedded store and means duckdb; its data folder is migrated on start.',
  }),
  DUCKDB_MEMORY_LIMIT_MB: Type.Integer({
    minimum: 64,
    maximum: 1_048_576,
    default: 256,
    description:
      "Most memory the embedded store (DuckDB) holds for appended data not yet checkpointed, caches and queries; beyond it DuckDB spills to DATA_DIR/store.duckdb.tmp. DuckDB's own default is 80 % of the machine's memory.",
  }),
  DUCKDB_THREADS: Positive({
    maximum: 256,
    default: 2,
    description: 'Threads the embedded store (DuckDB) uses for a query or a checkpoint.',
  }),
  QUERY_ROW_BUDGET: Type.Integer({
    minimum: 0,
    default: 2_000_000,
    description:
      'A general query whose range holds more stored events than this reads a visitor-consistent sample of them (a power-of-two share) and says so in meta; 0 always reads everything.',
  }),
  DEDUPE_WINDOW_HOURS: Positive({
    maximum: 24 * 90,
    default: 24,
    description:
      'A resent event (same event_id) is stored once when it arrives within this many hours of the first copy, on both stores. The processor keeps the window in memory, about 3.6 MB per million ids in it; on Cassandra it is rebuilt per log partition from 8-byte digests (table recent_ids) when the partition is assigned.',
  }),
  DEFAULT_TIMEZONE: Type.String({
    minLength: 1,
    default: 'UTC',
    description:
      'IANA time zone in which days, weeks and months of queries begin, for sites without their own (SITE_TIMEZONES).',
  }),
  SITE_TIMEZONES: Type.Array(
    Type.String({ pattern: `^${SITE}=[A-Za-z_+-]+(/[A-Za-z0-9_+-]+)*$` }),
    {
      default: [],
      description:
        'Comma-separated per-site time zones: site1=Europe/Berlin,site2=America/New_York.',
    },
  ),
  KAFKA_BROKERS: Type.Array(Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$' }), {
    minItems: 1,
    default: ['127.0.0.1:9092'],
    description: 'Comma-separated Kafka bootstrap brokers (host:port).',
  }),
  KAFKA_TOPIC: Type.String({
    pattern: '^[A-Za-z0-9._-]{1,200}$',
    default: 'clickstream.events',
    description: 'Topic of the event log (created when missing).',
  }),
  KAFKA_DLQ_TOPIC: Type.String({
    pattern: '^[A-Za-z0-9._-]{1,200}$',
    default: 'clickstream.events.dlq',
    description: 'Dead-letter topic for records that cannot be decoded.',
  }),
  KAFKA_TOPIC_PARTITIONS: Positive({
    maximum: 10_000,
    default: 12,
    description: 'Partitions of a topic Clickstream creates.',
  }),
  KAFKA_REPLICATION_FACTOR: Positive({
    maximum: 16,
    default: 1,
    description: 'Replication factor of a topic Clickstream creates (3 on a 3-broker cluster).',
  }),
  KAFKA_CLIENT_ID: Type.String({
    minLength: 1,
    default: 'clickstream',
    description: 'Kafka client id.',
  }),
  CASSANDRA_CONTACT_POINTS: Type.Array(Type.String({ minLength: 1 }), {
    minItems: 1,
    default: ['127.0.0.1:9042'],
    description: 'Comma-separated Cassandra contact points (host or host:port).',
  }),
  CASSANDRA_LOCAL_DC: Type.String({
    minLength: 1,
    default: 'datacenter1',
    description: 'Local data center of the Cassandra driver.',
  }),
  CASSANDRA_KEYSPACE: Type.String({
    pattern: '^[a-z][a-z0-9_]{0,47}$',
    default: 'clickstream',
    description: 'Keyspace of the store.',
  }),
  CASSANDRA_REPLICATION: Type.String({
    pattern: '^(SimpleStrategy:\\d+|NetworkTopologyStrategy(:[A-Za-z0-9_-]+=\\d+)+)$',
    default: 'SimpleStrategy:1',
    description:
      'Keyspace replication: SimpleStrategy:N, or NetworkTopologyStrategy:dc1=3[:dc2=3].',
  }),
  CASSANDRA_CONSISTENCY: Type.Union(
    [
      Type.Literal('ONE'),
      Type.Literal('LOCAL_ONE'),
      Type.Literal('QUORUM'),
      Type.Literal('LOCAL_QUORUM'),
      Type.Literal('ALL'),
    ],
    { default: 'LOCAL_QUORUM', description: 'Consistency level of reads and writes.' },
  ),
  CASSANDRA_QUERY_ROW_BUDGET: Type.Integer({
    minimum: 0,
    default: 100_000,
    description:
      'On Cassandra, a general query whose range holds more raw events than this (estimated from one of the 16 visitor shards) reads a power-of-two share of the shards, a visitor-consistent sample, and says so in meta; 0 always reads everything. Each raw row is read over the network, so this is far below QUERY_ROW_BUDGET.',
  }),
  CASSANDRA_USERNAME: Type.Optional(
    Type.String({ minLength: 1, description: 'Cassandra user (PasswordAuthenticator).' }),
  ),
  CASSANDRA_PASSWORD: Type.Optional(
    Type.String({ minLength: 1, description: 'Cassandra password.' }),
  ),
  LOG_PARTITIONS: Positive({
    maximum: 256,
    default: 4,
    description: 'Partitions of the embedded event log (fixed once created).',
  }),
  LOG_RETENTION_HOURS: Type.Integer({
    minimum: 0,
    default: 168,
    description: 'Processed log records older than this are deleted; 0 keeps them.',
  }),
  LOG_MAX_PENDING_MB: Positive({
    maximum: 4096,
    default: 64,
    description: 'Events waiting for the log before ingest answers 503.',
  }),
  RAW_EVENT_RETENTION_DAYS: Type.Integer({
    minimum: 0,
    default: 400,
    description:
      'Raw events older than this are deleted (queries answer from raw events, so this is how far back they reach; Cassandra rollups stay). 0 keeps them.',
  }),
  DEFAULT_SITE_ID: {
    ...SiteId,
    default: 'default',
    description: 'Site of events sent without site_id.',
  },
  TRUSTED_PROXIES: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description: 'Comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed.',
  }),
  BODY_LIMIT_BYTES: Positive({
    maximum: 64 * 1024 * 1024,
    default: 1_048_576,
    description: 'Largest request body.',
  }),
  MAX_BATCH_EVENTS: Positive({
    maximum: 10_000,
    default: 1000,
    description: 'Most events in one POST /track/batch.',
  }),
  MAX_EVENT_AGE_HOURS: Positive({
    default: 168,
    description: 'Events whose timestamp is older are refused.',
  }),
  MAX_CLOCK_SKEW_SECONDS: Type.Integer({
    minimum: 0,
    default: 300,
    description: 'How far in the future a timestamp may be.',
  }),
  IP_STORAGE: Type.Union([Type.Literal('truncate'), Type.Literal('none')], {
    default: 'truncate',
    description: 'truncate: keep /24 (IPv4) or /48 (IPv6); none: keep nothing.',
  }),
  GEOIP_ENABLED: Type.Boolean({
    default: true,
    description:
      "Look up the country, region and city of each event's client address at ingest, in a local database (never over the network). The full address is used for the lookup and then dropped, as IP_STORAGE says.",
  }),
  GEOIP_IPV4_DATABASE: Type.String({
    default: '',
    description:
      'MaxMind DB (.mmdb) file of IPv4 networks for GEOIP_ENABLED; empty: the bundled DB-IP Lite city database (CC BY 4.0, attribution to DB-IP.com required).',
  }),
  GEOIP_IPV6_DATABASE: Type.String({
    default: '',
    description:
      'MaxMind DB (.mmdb) file of IPv6 networks; may be the same file as GEOIP_IPV4_DATABASE (MaxMind and DB-IP city files hold both). Empty: the bundled DB-IP Lite city database.',
  }),
  VISITOR_SALT_SECRET: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        'Secret for the daily visitor hash of events without user_id (default: generated in DATA_DIR).',
    }),
  ),
  PROCESSOR_GROUP_ID: Type.String({
    minLength: 1,
    default: 'clickstream-processor',
    description: 'Consumer group of the processor.',
  }),
  PROCESSOR_BATCH_SIZE: Positive({
    maximum: 100_000,
    default: 5000,
    description: 'Most records per micro-batch.',
  }),
  MAX_QUERY_RANGE_DAYS: Positive({
    maximum: 3660,
    default: 400,
    description: 'Longest from..to span a query may ask for.',
  }),
  GRAPHQL_MAX_DEPTH: Positive({ maximum: 50, default: 6, description: 'Deepest GraphQL query.' }),
  GRAPHQL_MAX_COST: Positive({
    default: 100,
    description: 'Most fields (counting aliases) in one GraphQL query.',
  }),
  GRAPHIQL: Type.Boolean({ default: true, description: 'Serve the GraphiQL IDE at /graphiql.' }),
  CORS_ALLOWED_ORIGINS: Type.Array(Type.String({ pattern: '^(\\*|https?://[^/\\s]+)$' }), {
    minItems: 1,
    default: ['*'],
    description:
      'Comma-separated origins (https://example.com) whose pages may send events to /track and /track/batch from a browser; * allows any. Query routes never answer cross-origin.',
  }),
  SITE_ORIGINS: Type.Array(Type.String({ pattern: `^${SITE}=${ORIGIN}(\\|${ORIGIN})*$` }), {
    default: [],
    description:
      'Comma-separated per-site browser origins: site1=https://a.com|https://b.com,site2=https://c.com. Events for a listed site sent with another Origin are refused (403 ORIGIN_NOT_ALLOWED); unlisted sites follow CORS_ALLOWED_ORIGINS.',
  }),
  INGEST_RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 0,
    default: 6000,
    description:
      'Most ingest requests per client address per minute (429 with Retry-After beyond it); 0 turns it off. Loopback clients are not limited.',
  }),
  API_KEYS: Type.Array(Type.String({ pattern: `^${API_KEY}(:${SITE}(\\|${SITE})*)?$` }), {
    default: [],
    description:
      'Comma-separated keys for the query side (REST, GraphQL, dashboard data), sent as Authorization: Bearer <key>. Each entry is key (all sites) or key:site1|site2 (those sites only); a key is 16 to 256 of A-Z a-z 0-9 . _ ~ + / = -. Without keys the query side answers loopback clients only.',
  }),
  METRICS_API_KEY: Type.Optional(
    Type.String({
      pattern: `^${API_KEY}$`,
      description:
        'When set, /metrics requires Authorization: Bearer <this key> (16 to 256 of A-Z a-z 0-9 . _ ~ + / = -).',
    }),
  ),
  GRAPHQL_INTROSPECTION: Type.Boolean({
    default: true,
    description: 'Answer GraphQL introspection queries (__schema, __type).',
  }),
  LIVE_VIEW: Type.Boolean({
    default: true,
    description:
      'Query role: follow the event log (own consumer group) for the live totals, feed and GraphQL subscriptions.',
  }),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info', description: 'Log level.' },
  ),
  SHUTDOWN_TIMEOUT_MS: Positive({
    default: 15_000,
    description: 'Longest graceful shutdown before exiting anyway.',
  }),
  FAILPOINT: Type.Union([Type.Literal(''), Type.Literal('crash-after-store-commit')], {
    default: '',
    description: 'Testing only: crash at a named point to prove recovery.',
  }),
});

export type Config = Static<typeof ConfigSchema>;

/** Settings given as comma-separated lists in the environment. */
export const LIST_SETTINGS: ReadonlySet<string> = new Set([
  'ROLES',
  'TRUSTED_PROXIES',
  'KAFKA_BROKERS',
  'CASSANDRA_CONTACT_POINTS',
  'CORS_ALLOWED_ORIGINS',
  'API_KEYS',
  'SITE_ORIGINS',
  'SITE_TIMEZONES',
]);

/** Settings whose values are never echoed: not in a configuration error, not in a log line. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  'API_KEYS',
  'METRICS_API_KEY',
  'CASSANDRA_PASSWORD',
  'VISITOR_SALT_SECRET',
]);
