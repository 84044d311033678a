import type { Client } from 'cassandra-driver';
import type { VisitorEventsPage, VisitorEventsQuery } from '../../domain/analytics-query.js';
import type { FunnelPlan } from '../../domain/funnel.js';
import { HLL_REGISTERS } from '../../domain/hyperloglog.js';
import {
  mergeGroupParts,
  type AggregatePlan,
  type AggregateResult,
} from '../../domain/stats/aggregate-plan.js';
import type { CommitResult, StoreBatch } from '../../ports/event-store.js';
import type { VisitStepSource, VisitSteps } from '../../ports/funnel-reader.js';
import type { Store, StoreCapabilities } from '../../ports/store-capabilities.js';
import type { PropertyKeysReader } from '../../ports/property-keys.js';
import { rollupShape } from '../rollup-shape.js';
import { aggregateScan, propertyKeysScan, visitStepsScan } from '../scan/scan-aggregate.js';
import { scanVisits, type ScannedSite } from '../scan/scanned-events.js';
import { asStoreError } from './cassandra-errors.js';
import {
  createCassandraClient,
  serialConsistencyOf,
  type CassandraOptions,
} from './cassandra-options.js';
import { createCassandraReader, type CassandraReader } from './cassandra-reader.js';
import { SCHEMA_VERSION, schemaVersion } from './cassandra-schema.js';
import { createStatements, type Statements } from './cassandra-statements.js';
import { createCassandraWriter, DEFAULT_DEDUPE_WINDOW_MS } from './cassandra-writer.js';
import { CqlSession } from './cql-session.js';
import { createVisitorErasure } from './visitor-erasure.js';
import { createRawEventScan, type RawEventScan } from './raw-event-scan.js';
import { SITE_SHARDS } from './site-shards.js';
import { createCheckpoints, type Checkpoints } from './partition-checkpoints.js';
import { createPageEvents } from './page-events.js';

/**
 * The scaled-out store on Apache Cassandra. It owns its driver client and shuts it down on close.
 * Data model and the exactly-once scheme: cassandra-tables.ts and cassandra-writer.ts.
 */
export class CassandraStore implements Store, VisitStepSource, PropertyKeysReader {
  readonly kind = 'cassandra';
  /**
   * Funnels from the scan's visits (createScanFunnel), property keys from the same scan; no
   * commitTogether: each partition's writer is fenced by its own checkpoint.
   */
  readonly capabilities: StoreCapabilities = { visitSteps: this, propertyKeys: this };
  private readonly st: Statements;
  private readonly cql: CqlSession;
  private readonly checkpoints: Checkpoints;
  private readonly writer: ReturnType<typeof createCassandraWriter>;
  private readonly reader: CassandraReader;
  private readonly erase: (siteId: string, visitorId: string) => Promise<number>;
  private readonly scan: RawEventScan;
  private readonly pageEvents: ReturnType<typeof createPageEvents>;

  constructor(
    private readonly client: Client,
    private readonly options: Pick<
      CassandraOptions,
      | 'keyspace'
      | 'consistency'
      | 'rawEventRetentionMs'
      | 'dedupeWindowMs'
      | 'queryRowBudget'
      | 'rollups'
    >,
  ) {
    this.st = createStatements(options.keyspace);
    this.cql = new CqlSession(client);
    this.checkpoints = createCheckpoints(
      this.cql,
      this.st,
      serialConsistencyOf(options.consistency),
    );
    this.writer = createCassandraWriter(this.cql, this.st, this.checkpoints, {
      retentionMs: options.rawEventRetentionMs,
      dedupeWindowMs: options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS,
    });
    this.reader = createCassandraReader(this.cql, this.st);
    this.scan = createRawEventScan(this.cql, this.st);
    this.pageEvents = createPageEvents(this.cql, this.st);
    this.erase = createVisitorErasure(this.cql, options.keyspace);
  }

  eraseVisitor(siteId: string, visitorId: string): Promise<number> {
    return asStoreError(() => this.erase(siteId, visitorId));
  }

  commit(batch: StoreBatch): Promise<CommitResult> {
    return this.writer.commit(batch);
  }

  /** Asked when a processor is assigned the partition: its next commit loads the partition afresh. */
  checkpoint(partition: number): Promise<number | null> {
    this.writer.forget(partition);
    return this.checkpoints.read(partition);
  }

  resetCheckpoint(partition: number, nextOffset: number): Promise<void> {
    this.writer.forget(partition);
    return asStoreError(() => this.checkpoints.reset(partition, nextOffset));
  }

  /**
   * The general query: one page's counts and visitors from that page's own events (page-events.ts);
   * otherwise the range's raw events (and the rest of
   * the visits they belong to) read from Cassandra and aggregated in this process by the scan
   * engine (src/store/scan/), from a sample of visitor shards above the row budget.
   */
  aggregate(plan: AggregatePlan): Promise<AggregateResult> {
    return asStoreError(async () => {
      const shape = this.options.rollups === false ? null : rollupShape(plan);
      if (shape?.dimension === 'page' && !plan.needs.visits) {
        const page = await this.pageEvents.answer(plan, shape.value, shape.byDay);
        return { groups: mergeGroupParts(page.parts), rowsRead: page.read, sampleFraction: 1 };
      }
      const { site, rowsRead, shards } = await this.scanned(
        plan.siteId,
        plan.from,
        plan.to,
        this.options.queryRowBudget ?? 0,
      );
      return aggregateScan(site, plan, rowsRead, (shards / SITE_SHARDS) * HLL_REGISTERS);
    });
  }

  visitSteps(plan: FunnelPlan, each: (visit: VisitSteps) => void): Promise<{ rowsRead: number }> {
    return asStoreError(async () => {
      const { site, rowsRead } = await this.scanned(plan.siteId, plan.from, plan.to);
      visitStepsScan(site, plan, each);
      return { rowsRead };
    });
  }

  propertyKeys(
    plan: Parameters<PropertyKeysReader['propertyKeys']>[0],
    limit: number,
  ): Promise<Array<{ key: string; events: number }>> {
    return asStoreError(async () =>
      propertyKeysScan((await this.scanned(plan.siteId, plan.from, plan.to)).site, plan, limit),
    );
  }

  private async scanned(
    siteId: string,
    from: number,
    to: number,
    budget = 0,
  ): Promise<{ site: ScannedSite; rowsRead: number; shards: number }> {
    const { visitors, rowsRead, shards } = await this.scan.scan(siteId, from, to, budget);
    return { site: scanVisits(visitors.values()), rowsRead, shards };
  }

  firstEventAt(siteId: string): Promise<number | null> {
    return asStoreError(() => this.scan.firstEventAt(siteId));
  }

  visitorEvents(query: VisitorEventsQuery): Promise<VisitorEventsPage> {
    return asStoreError(() => this.reader.visitorEvents(query));
  }

  sites(limit: number): Promise<string[]> {
    return asStoreError(() => this.reader.sites(limit));
  }

  async ping(): Promise<void> {
    await asStoreError(() => this.cql.execute(this.st.ping, []));
  }

  close(): Promise<void> {
    return this.client.shutdown();
  }
}

/**
 * Connects and checks that `migrate` has brought the keyspace to this build's schema version.
 * The store never changes the schema itself: DDL from every process at start-up would race.
 */
export async function openCassandraStore(options: CassandraOptions): Promise<CassandraStore> {
  const client = createCassandraClient(options);
  try {
    await client.connect();
    const version = await schemaVersion(client, options.keyspace);
    if (version < SCHEMA_VERSION) {
      throw new Error(
        `Cassandra keyspace ${options.keyspace} is at schema version ${version}, this build needs ${SCHEMA_VERSION}: run \`clickstream migrate\` (npx tsx src/cli/migrate.ts) first`,
      );
    }
    return new CassandraStore(client, options);
  } catch (error) {
    await client.shutdown();
    throw error;
  }
}
