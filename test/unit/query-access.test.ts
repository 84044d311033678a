import { describe, expect, it } from 'vitest';
import {
  ALL_SITES,
  authorize,
  mayCall,
  visibleSites,
  type QueryAccess,
} from '../../src/query/query-access.js';

/** A shared link reads its one site, and only what opts in to links. */
const link: QueryAccess = { sites: new Set(['shop']), via: 'shared-link' };
const scopedKey: QueryAccess = { sites: new Set(['shop', 'blog']), via: 'key' };
const OPEN = { sharedLink: true };
const CLOSED = { sharedLink: false };

describe('authorize: the one check of a query request against its site', () => {
  it('lets a shared link call what opts in to links, on its own site only', () => {
    expect(() => authorize(link, 'shop', OPEN)).not.toThrow();
    expect(() => authorize(link, 'blog', OPEN)).toThrow(/may not read site blog/);
  });

  it('closes to a shared link whatever does not opt in, on its own site too', () => {
    for (const decision of [CLOSED, {}])
      expect(() => authorize(link, 'shop', decision)).toThrow(/shared link is read-only/);
    expect(mayCall(link, {})).toBe(false);
    expect(mayCall(link, OPEN)).toBe(true);
  });

  it('lets a key call anything on its sites, and refuses the others naming the site', () => {
    for (const decision of [OPEN, CLOSED, {}]) {
      expect(() => authorize(scopedKey, 'blog', decision)).not.toThrow();
      expect(() => authorize(ALL_SITES, 'anything', decision)).not.toThrow();
      expect(mayCall(scopedKey, decision)).toBe(true);
    }
    expect(() => authorize(scopedKey, 'other', OPEN)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN', field: 'site_id' }),
    );
  });

  it('refuses a request without access', () => {
    expect(() => authorize(undefined, 'shop', OPEN)).toThrow(/may not read site shop/);
  });

  it('lists only the sites an access covers', () => {
    expect(visibleSites(link, ['blog', 'shop'])).toEqual(['shop']);
    expect(visibleSites(ALL_SITES, ['blog', 'shop'])).toEqual(['blog', 'shop']);
    expect(visibleSites(undefined, ['blog'])).toEqual([]);
  });
});
