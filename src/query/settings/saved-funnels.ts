import type { SettingsStore } from '../../ports/settings-store.js';
import { parseSteps, stepFilters } from '../funnel/parse-funnel.js';
import { invalid } from '../../domain/query-input.js';
import { nameOf, newId, notFound, objectBody, sameName } from './setting-input.js';

/** Funnel definitions saved per site for the dashboard: a name and 2 to 8 steps (filters). */
export const MAX_FUNNELS_PER_SITE = 50;

export interface FunnelView {
  id: string;
  site_id: string;
  name: string;
  steps: unknown[];
  created_at: string;
}

export type SavedFunnels = ReturnType<typeof createSavedFunnels>;

export function createSavedFunnels(store: SettingsStore) {
  const list = async (siteId: string): Promise<FunnelView[]> =>
    (await store.list('funnel', siteId)).map((r) => {
      const body = JSON.parse(r.body) as { name: string; steps: unknown[] };
      return {
        id: r.id,
        site_id: r.siteId,
        name: body.name,
        steps: body.steps,
        created_at: new Date(r.createdAt).toISOString(),
      };
    });
  return {
    list,
    async create(body: unknown): Promise<FunnelView> {
      const input = objectBody(body, ['site_id', 'name', 'steps']);
      const name = nameOf(input.name);
      const steps = parseSteps(input.steps);
      stepFilters(steps, input.site_id);
      const existing = await list(input.site_id);
      if (existing.some((f) => sameName(f.name, name)))
        invalid('name', `the site already has a funnel named ${JSON.stringify(name)}`);
      if (existing.length >= MAX_FUNNELS_PER_SITE)
        invalid('site_id', `a site may have at most ${MAX_FUNNELS_PER_SITE} funnels`);
      const record = {
        kind: 'funnel' as const,
        siteId: input.site_id,
        id: newId(),
        body: JSON.stringify({ name, steps }),
        createdAt: Date.now(),
      };
      await store.put(record);
      return {
        id: record.id,
        site_id: record.siteId,
        name,
        steps,
        created_at: new Date(record.createdAt).toISOString(),
      };
    },
    async siteOf(id: string): Promise<string> {
      return (await store.get('funnel', id))?.siteId ?? notFound('funnel');
    },
    async remove(siteId: string, id: string): Promise<void> {
      if (!(await store.remove('funnel', siteId, id))) notFound('funnel');
    },
  };
}
