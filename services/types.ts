/** Shared shapes of the local services tool (dev/test Kafka and Cassandra on loopback). */

export type ServiceName = 'kafka' | 'cassandra';

export const SERVICE_NAMES: readonly ServiceName[] = ['kafka', 'cassandra'];

export type LogLine = (line: string) => void;

/** One node of one service: node i of N listens on 127.0.0.i. */
export interface NodeRef {
  readonly service: ServiceName;
  readonly index: number;
  readonly host: string;
  readonly port: number;
  /** `<root>/<service>/node-<i>`: conf/, data/, logs/ and the pid file live here. */
  readonly dir: string;
}

/** Persisted in `<root>/<service>/cluster.json` when a cluster is first created. */
export interface ClusterState {
  readonly nodes: number;
  readonly clusterId: string;
  readonly version: string;
  readonly createdAt: string;
}

export interface NodeStatus {
  readonly node: NodeRef;
  readonly pid: number | undefined;
  /** The pid file names a live process whose command line belongs to this node. */
  readonly alive: boolean;
  /** The client port accepts TCP connections. */
  readonly listening: boolean;
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  /** Aborted when the probe is no longer wanted (a node died, or it already passed). */
  readonly signal?: AbortSignal;
}

/** How to start one node: arguments for `java`, and where its stdout/stderr go. */
export interface LaunchSpec {
  readonly javaArgs: readonly string[];
  readonly stdoutFile: string;
}

export interface ServiceDriver {
  readonly name: ServiceName;
  readonly version: string;
  readonly port: number;
  readonly readyTimeoutMs: number;
  /** How long SIGTERM may take before SIGKILL. */
  readonly stopGraceMs: number;
  /**
   * Kafka nodes must start together (a controller quorum needs a majority before any broker
   * listens); Cassandra nodes join one after another so that token allocation sees the ring.
   */
  readonly startOrder: 'together' | 'one-by-one';
  /** The id recorded when a new cluster's data is created (Kafka formats storage with it). */
  newClusterId(): string;
  /** Fetch the binaries into the cache (a no-op when already there). */
  install(): Promise<void>;
  /** Write the node's configuration (and format storage if new); return how to launch it. */
  prepareNode(node: NodeRef, cluster: ClusterState): Promise<LaunchSpec>;
  /** A real round trip against the given nodes; resolves with a short detail, throws if it fails. */
  probe(nodes: readonly NodeRef[], cluster: ClusterState, opts: ProbeOptions): Promise<string>;
  /** Logs worth showing when the node fails, most useful first. */
  logFiles(node: NodeRef): readonly string[];
}

export class ServicesError extends Error {
  override readonly name = 'ServicesError';
}
