import { afterEach, describe, expect, it } from 'vitest';
import { funnelReaderOf } from '../../src/compose/adapters.js';
import type { FilterExpr } from '../../src/domain/stats/query-model.js';
import type { TrackedEvent } from '../../src/domain/tracked-event.js';
import type { Store, StoreCapabilities } from '../../src/ports/store-capabilities.js';
import { createScanFunnel } from '../../src/query/funnel/scan-funnel.js';
import { makeEvent } from '../support/events.js';

/**
 * The store's declared abilities (`Store.capabilities`): a store declares exactly the ones it is
 * expected to have — one lost by a refactor would take the dashboard's funnels or property keys
 * with it — and each declared one answers, on the real engine, what its port promises.
 */
export type Ability = keyof StoreCapabilities;

const DAY = 86_400_000;
const MIN = 60_000;
const T0 = Math.floor((Date.now() - 2 * DAY) / DAY) * DAY + 10 * 3_600_000;
const SITE = 'capability-site';
const page = (path: string): FilterExpr => ({
  kind: 'leaf',
  op: 'is',
  dimension: 'event:page',
  values: [path],
});
const visit = (visitor: string, pages: string[], properties?: Record<string, string>) =>
  pages.map((path, i) =>
    makeEvent({
      site_id: SITE,
      visitor_id: visitor,
      page: path,
      timestamp: T0 + i * MIN,
      received_at: T0 + i * MIN,
      properties: properties ?? null,
    }),
  );
/** a → b in order (a), a only (b), b then a (c: not in order), and a → b on another site. */
const EVENTS: TrackedEvent[] = [
  ...visit('va', ['/a', '/b'], { plan: 'pro' }),
  ...visit('vb', ['/a'], { plan: 'free', ref: 'mail' }),
  ...visit('vc', ['/b', '/a']),
  ...visit('vd', ['/a', '/b']).map((e) => ({ ...e, site_id: 'other-site' })),
];
const FUNNEL = {
  siteId: SITE,
  from: T0 - DAY,
  to: T0 + DAY,
  includeBots: false,
  filter: null,
  steps: [page('/a'), page('/b')],
};

export function describeCapabilityContract(
  name: string,
  open: () => Promise<Store>,
  expected: readonly Ability[],
  timeoutMs = 30_000,
): void {
  describe(`Store capabilities: ${name}`, { timeout: timeoutMs }, () => {
    const closers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      while (closers.length) await closers.pop()!();
    });
    const fresh = async (events: readonly TrackedEvent[] = EVENTS) => {
      const store = await open();
      closers.push(() => store.close());
      if (events.length) await store.commit({ partition: 0, nextOffset: events.length, events });
      return store;
    };

    it(`declares ${expected.join(', ')} and nothing else`, async () => {
      const { capabilities } = await fresh([]);
      const declared = (Object.keys(capabilities) as Ability[]).filter((a) => capabilities[a]);
      expect(declared.sort()).toEqual([...expected].sort());
    });

    it('answers a funnel through what it declares (its own, or from its visits’ steps)', async () => {
      const { capabilities } = await fresh();
      const funnels = funnelReaderOf(capabilities);
      expect(funnels, 'every store answers funnels one way or the other').toBeDefined();
      expect((await funnels!.funnel(FUNNEL)).visitors).toEqual([3, 1]);
      if (capabilities.visitSteps) {
        const scan = await createScanFunnel(capabilities.visitSteps).funnel(FUNNEL);
        expect(scan.visitors).toEqual([3, 1]);
      }
    });

    it.runIf(expected.includes('propertyKeys'))(
      'lists the property keys of the counted events, the most used first',
      async () => {
        const { capabilities } = await fresh();
        const keys = await capabilities.propertyKeys!.propertyKeys(
          { siteId: SITE, from: T0 - DAY, to: T0 + DAY, includeBots: false, filter: null },
          10,
        );
        expect(keys).toEqual([
          { key: 'plan', events: 3 },
          { key: 'ref', events: 1 },
        ]);
      },
    );

    it.runIf(expected.includes('commitTogether'))(
      'commits a pass of two partitions together, each checkpoint with its events, and skips a replay',
      async () => {
        const store = await fresh([]);
        const together = store.capabilities.commitTogether!;
        const pass = [
          { partition: 0, nextOffset: 2, events: EVENTS.slice(0, 2) },
          { partition: 1, nextOffset: 1, events: EVENTS.slice(2, 3) },
        ];
        expect(await together.commitTogether(pass)).toEqual({ stored: 3, duplicates: 0 });
        expect([await store.checkpoint(0), await store.checkpoint(1)]).toEqual([2, 1]);
        expect(await together.commitTogether(pass)).toEqual({ stored: 0, duplicates: 3 });
      },
    );
  });
}
