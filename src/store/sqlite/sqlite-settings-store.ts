import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SettingKind, SettingRecord, SettingsStore } from '../../ports/settings-store.js';

/**
 * Settings of the embedded deployment in `DATA_DIR/settings.db`, apart from the event log and the
 * events' store: a goal written here never waits for (or slows) an events commit.
 */
export class SqliteSettingsStore implements SettingsStore {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): SqliteSettingsStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE IF NOT EXISTS settings (
      kind TEXT NOT NULL, id TEXT NOT NULL, site_id TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL,
      PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS settings_by_site ON settings (site_id, kind, created_at)`);
    return new SqliteSettingsStore(db);
  }

  list(kind: SettingKind, siteId: string): Promise<SettingRecord[]> {
    const rows = this.db
      .prepare(
        'SELECT kind, id, site_id, body, created_at FROM settings WHERE site_id = ? AND kind = ? ORDER BY created_at, id',
      )
      .all(siteId, kind) as Row[];
    return Promise.resolve(rows.map(recordOf));
  }

  get(kind: SettingKind, id: string): Promise<SettingRecord | null> {
    const row = this.db
      .prepare('SELECT kind, id, site_id, body, created_at FROM settings WHERE kind = ? AND id = ?')
      .get(kind, id) as Row | undefined;
    return Promise.resolve(row ? recordOf(row) : null);
  }

  put(record: SettingRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO settings (kind, id, site_id, body, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(record.kind, record.id, record.siteId, record.body, record.createdAt);
    return Promise.resolve();
  }

  remove(kind: SettingKind, siteId: string, id: string): Promise<boolean> {
    const result = this.db
      .prepare('DELETE FROM settings WHERE kind = ? AND id = ? AND site_id = ?')
      .run(kind, id, siteId);
    return Promise.resolve(result.changes > 0);
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

interface Row {
  kind: SettingKind;
  id: string;
  site_id: string;
  body: string;
  created_at: number;
}

const recordOf = (row: Row): SettingRecord => ({
  kind: row.kind,
  id: row.id,
  siteId: row.site_id,
  body: row.body,
  createdAt: row.created_at,
});
