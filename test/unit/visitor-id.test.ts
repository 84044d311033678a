import { describe, expect, it } from 'vitest';
import { createVisitorHasher } from '../../src/ingest/visitor-id.js';

const SECRET = 'a-test-secret-of-some-length';
const IP = '198.51.100.23';
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
const MORNING = Date.UTC(2026, 0, 31, 0, 0, 1);
const EVENING = Date.UTC(2026, 0, 31, 23, 59, 59);
const NEXT_DAY = Date.UTC(2026, 1, 1, 0, 0, 1);

describe('createVisitorHasher', () => {
  it('is stable within one UTC day', () => {
    const hash = createVisitorHasher(SECRET);
    expect(hash('site', IP, UA, MORNING)).toBe(hash('site', IP, UA, EVENING));
  });

  it('changes the next UTC day, and comes back for the earlier day', () => {
    const hash = createVisitorHasher(SECRET);
    const today = hash('site', IP, UA, EVENING);
    expect(hash('site', IP, UA, NEXT_DAY)).not.toBe(today);
    expect(hash('site', IP, UA, MORNING)).toBe(today);
  });

  it('differs per site, per address, per agent and per secret', () => {
    const hash = createVisitorHasher(SECRET);
    const base = hash('site', IP, UA, MORNING);
    expect(hash('other-site', IP, UA, MORNING)).not.toBe(base);
    expect(hash('site', '198.51.100.24', UA, MORNING)).not.toBe(base);
    expect(hash('site', IP, `${UA} extra`, MORNING)).not.toBe(base);
    expect(createVisitorHasher('another-secret-entirely')('site', IP, UA, MORNING)).not.toBe(base);
  });

  it('agrees between two hashers with the same secret (a restart keeps the day)', () => {
    expect(createVisitorHasher(SECRET)('site', IP, UA, MORNING)).toBe(
      createVisitorHasher(SECRET)('site', IP, UA, EVENING),
    );
  });

  it('never contains the address, and has a fixed shape', () => {
    const hash = createVisitorHasher(SECRET);
    for (const ip of [IP, '2001:db8::1', '10.0.0.1']) {
      const id = hash('site', ip, UA, MORNING);
      expect(id).toMatch(/^h:[A-Za-z0-9_-]{22}$/);
      expect(id).not.toContain(ip);
      expect(id).not.toContain(ip.split('.').slice(0, 3).join('.'));
    }
  });
});
