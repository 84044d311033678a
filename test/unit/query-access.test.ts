import { describe, expect, it } from 'vitest';
import { allowsRequest, ALL_SITES, assertWritable } from '../../src/query/query-access.js';

/** What a shared link (read-only access to one site) may ask: the dashboard's reads, nothing else. */
const link = { sites: new Set(['shop']), readOnly: true };

describe('allowsRequest', () => {
  it.each([
    ['POST', '/analytics/query'],
    ['POST', '/analytics/funnel'],
    ['POST', '/analytics/property-keys'],
    ['POST', '/graphql'],
    ['GET', '/graphql'],
    ['GET', '/analytics/top-pages'],
    ['GET', '/analytics/goals'],
    ['GET', '/analytics/funnels'],
    ['GET', '/analytics/sites'],
    ['GET', '/analytics/live'],
    ['GET', '/share/csl_x'],
    ['POST', '/share/unlock'],
    ['GET', '/assets/index.js'],
  ])('lets a shared link %s %s', (method, path) => {
    expect(allowsRequest(link, method, path)).toBe(true);
  });

  it.each([
    ['POST', '/analytics/goals'],
    ['DELETE', '/analytics/goals/x'],
    ['POST', '/analytics/funnels'],
    ['DELETE', '/analytics/funnels/x'],
    ['POST', '/analytics/shared-links'],
    ['GET', '/analytics/shared-links'],
    ['DELETE', '/analytics/shared-links/x'],
    ['DELETE', '/analytics/users/u1'],
    ['GET', '/analytics/users/u1/events'],
    ['GET', '/analytics/live/events'],
    ['PUT', '/analytics/query'],
  ])('refuses a shared link %s %s', (method, path) => {
    expect(allowsRequest(link, method, path)).toBe(false);
  });

  it('leaves keys and loopback access alone', () => {
    expect(allowsRequest(ALL_SITES, 'DELETE', '/analytics/users/u1')).toBe(true);
    expect(allowsRequest({ sites: new Set(['shop']) }, 'POST', '/analytics/goals')).toBe(true);
    expect(() => assertWritable(link)).toThrow(/read-only/);
    expect(() => assertWritable(ALL_SITES)).not.toThrow();
  });
});
