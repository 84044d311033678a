import type { Client, types } from 'cassandra-driver';
import type { SettingKind, SettingRecord, SettingsStore } from '../../ports/settings-store.js';
import { asStoreError } from './cassandra-errors.js';
import { checkKeyspaceName } from './cassandra-options.js';

/**
 * Tables of the settings (migration "settings"), one per question: a site's records of a kind,
 * and one record by id (a shared link is found by its token's digest, before its site is known).
 * Both are written in one logged batch, so a record is in both or, after a failure, retried into
 * both; there are a handful of rows per site, so the batchlog's cost does not matter here.
 */
export function settingsTables(ks: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${ks}.settings_by_site (
       site_id text, kind text, id text, body text, created_at timestamp,
       PRIMARY KEY ((site_id, kind), id)
     )`,
    `CREATE TABLE IF NOT EXISTS ${ks}.settings_by_id (
       kind text, id text, site_id text, body text, created_at timestamp,
       PRIMARY KEY ((kind, id))
     )`,
  ];
}

export class CassandraSettingsStore implements SettingsStore {
  private readonly ks: string;

  /** Takes its own client and shuts it down on close. */
  constructor(
    private readonly client: Client,
    keyspace: string,
  ) {
    this.ks = checkKeyspaceName(keyspace);
  }

  list(kind: SettingKind, siteId: string): Promise<SettingRecord[]> {
    return asStoreError(async () => {
      const result = await this.client.execute(
        `SELECT site_id, kind, id, body, created_at FROM ${this.ks}.settings_by_site WHERE site_id = ? AND kind = ?`,
        [siteId, kind],
        { prepare: true },
      );
      return result.rows
        .map(recordOf)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    });
  }

  get(kind: SettingKind, id: string): Promise<SettingRecord | null> {
    return asStoreError(async () => {
      const result = await this.client.execute(
        `SELECT site_id, kind, id, body, created_at FROM ${this.ks}.settings_by_id WHERE kind = ? AND id = ?`,
        [kind, id],
        { prepare: true },
      );
      return result.rows[0] ? recordOf(result.rows[0]) : null;
    });
  }

  put(record: SettingRecord): Promise<void> {
    const created = new Date(record.createdAt);
    return asStoreError(async () => {
      await this.client.batch(
        [
          {
            query: `INSERT INTO ${this.ks}.settings_by_site (site_id, kind, id, body, created_at) VALUES (?, ?, ?, ?, ?)`,
            params: [record.siteId, record.kind, record.id, record.body, created],
          },
          {
            query: `INSERT INTO ${this.ks}.settings_by_id (kind, id, site_id, body, created_at) VALUES (?, ?, ?, ?, ?)`,
            params: [record.kind, record.id, record.siteId, record.body, created],
          },
        ],
        { prepare: true, logged: true },
      );
    });
  }

  remove(kind: SettingKind, siteId: string, id: string): Promise<boolean> {
    return asStoreError(async () => {
      const existing = await this.get(kind, id);
      if (!existing || existing.siteId !== siteId) return false;
      await this.client.batch(
        [
          {
            query: `DELETE FROM ${this.ks}.settings_by_site WHERE site_id = ? AND kind = ? AND id = ?`,
            params: [siteId, kind, id],
          },
          {
            query: `DELETE FROM ${this.ks}.settings_by_id WHERE kind = ? AND id = ?`,
            params: [kind, id],
          },
        ],
        { prepare: true, logged: true },
      );
      return true;
    });
  }

  close(): Promise<void> {
    return this.client.shutdown();
  }
}

function recordOf(row: types.Row): SettingRecord {
  return {
    kind: row.get('kind') as SettingKind,
    siteId: row.get('site_id') as string,
    id: row.get('id') as string,
    body: row.get('body') as string,
    createdAt: (row.get('created_at') as Date).getTime(),
  };
}
