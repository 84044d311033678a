import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingRecord, SettingsStore } from '../../src/ports/settings-store.js';

/**
 * The settings port's contract, run against every adapter (SQLite, Cassandra). A no-op adapter
 * fails it: every test reads back what it wrote.
 */
export function describeSettingsStoreContract(
  name: string,
  open: () => Promise<SettingsStore>,
): void {
  describe(`SettingsStore contract: ${name}`, () => {
    let store: SettingsStore;
    const site = `site-${Math.random().toString(36).slice(2, 8)}`;
    const record = (over: Partial<SettingRecord>): SettingRecord => ({
      kind: 'goal',
      siteId: site,
      id: 'g1',
      body: '{"name":"Signup"}',
      createdAt: 1_700_000_000_000,
      ...over,
    });

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it("lists a site's records of one kind, oldest first, and gets one by id", async () => {
      await store.put(
        record({ id: 'g2', createdAt: 1_700_000_000_500, body: '{"name":"Second"}' }),
      );
      await store.put(record({ id: 'g1' }));
      await store.put(record({ id: 'f1', kind: 'funnel' }));
      await store.put(record({ id: 'g3', siteId: `${site}-other` }));
      expect((await store.list('goal', site)).map((r) => r.id)).toEqual(['g1', 'g2']);
      expect(await store.list('goal', site)).toEqual([
        record({ id: 'g1' }),
        record({ id: 'g2', createdAt: 1_700_000_000_500, body: '{"name":"Second"}' }),
      ]);
      expect((await store.list('funnel', site)).map((r) => r.id)).toEqual(['f1']);
      expect(await store.get('goal', 'g3')).toEqual(record({ id: 'g3', siteId: `${site}-other` }));
      expect(await store.get('goal', 'nope')).toBeNull();
      expect(await store.get('funnel', 'g1')).toBeNull();
    });

    it('replaces a record with the same kind and id', async () => {
      await store.put(record({ id: 'g1', body: '{"name":"Renamed"}' }));
      expect((await store.get('goal', 'g1'))?.body).toBe('{"name":"Renamed"}');
      expect((await store.list('goal', site)).filter((r) => r.id === 'g1')).toHaveLength(1);
    });

    it('removes a record only from its own site, and says whether it did', async () => {
      expect(await store.remove('goal', `${site}-other`, 'g1')).toBe(false);
      expect(await store.get('goal', 'g1')).not.toBeNull();
      expect(await store.remove('goal', site, 'g1')).toBe(true);
      expect(await store.remove('goal', site, 'g1')).toBe(false);
      expect(await store.get('goal', 'g1')).toBeNull();
      expect((await store.list('goal', site)).map((r) => r.id)).toEqual(['g2']);
    });
  });
}
