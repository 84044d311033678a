/**
 * What the product keeps about sites besides their events: goals, saved funnels and shared links.
 * Small, rarely written records, not on the events' commit path. Adapters: SQLite
 * (`DATA_DIR/settings.db`) and Cassandra (tables of their own). The contract suite in
 * test/contract/settings-store.contract.ts holds both to it.
 */
export type SettingKind = 'goal' | 'funnel' | 'shared_link';

export interface SettingRecord {
  kind: SettingKind;
  siteId: string;
  /** Unique within its kind. */
  id: string;
  /** The record itself, as its service encodes it (JSON). */
  body: string;
  createdAt: number;
}

export interface SettingsStore {
  /** A site's records of one kind, oldest first. */
  list(kind: SettingKind, siteId: string): Promise<SettingRecord[]>;
  /** One record by id, whatever its site (shared links are looked up by their token's digest). */
  get(kind: SettingKind, id: string): Promise<SettingRecord | null>;
  /** Inserts or replaces the record with this kind and id. */
  put(record: SettingRecord): Promise<void>;
  /** Removes the record; false when there was none of that kind, id and site. */
  remove(kind: SettingKind, siteId: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}
