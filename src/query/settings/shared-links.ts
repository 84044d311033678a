import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ClickstreamError } from '../../domain/errors.js';
import type { SettingRecord, SettingsStore } from '../../ports/settings-store.js';
import type { QueryAccess } from '../query-access.js';
import { invalid } from '../../domain/query-input.js';
import { nameOf, notFound, objectBody } from './setting-input.js';

/**
 * Read-only links to one site's dashboard (docs/settings-api.md). The token (192 random bits) is
 * shown once, when the link is made; the store keeps only its digest, which is also the link's id,
 * and, for a link with a password, a scrypt hash of it. A locked link is opened with its password
 * for a while: `POST /share/unlock` answers an access token `<token>.<expiry>.<mac>` whose MAC is
 * keyed by the stored hash, so revoking the link (or any change of its password) ends it.
 */
export const LINK_PREFIX = 'csl_';
export const MAX_LINKS_PER_SITE = 50;
const UNLOCKED_FOR_MS = 12 * 3_600_000;
/** How long a looked-up link is trusted: a revoked link stops working within this. */
const CACHE_MS = 5_000;
const FAILURES_ALLOWED = 10;
const FAILURE_WINDOW_MS = 10 * 60_000;
const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 32 } as const;
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

interface StoredLink {
  name: string;
  /** `scrypt$N$r$p$salt$hash` (base64url), or null. */
  password: string | null;
}

export interface LinkView {
  id: string;
  site_id: string;
  name: string;
  has_password: boolean;
  created_at: string;
}

const digestOf = (token: string): string =>
  createHash('sha256').update(token).digest('base64url').slice(0, 32);
const macOf = (hash: string, id: string, expires: number): string =>
  createHmac('sha256', hash).update(`${id}.${expires}`).digest('base64url');

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keylen, SCRYPT);
  return [
    'scrypt',
    SCRYPT.N,
    SCRYPT.r,
    SCRYPT.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash ?? '', 'base64url');
  const actual = await scryptAsync(
    password,
    Buffer.from(salt ?? '', 'base64url'),
    expected.length,
    { N: Number(n), r: Number(r), p: Number(p) },
  );
  return expected.length > 0 && timingSafeEqual(actual, expected);
}

const unauthorized = (message: string, field?: string) =>
  new ClickstreamError('UNAUTHORIZED', message, field ? { field } : {});

export type SharedLinks = ReturnType<typeof createSharedLinks>;

export function createSharedLinks(store: SettingsStore, now: () => number = Date.now) {
  const cache = new Map<string, { record: SettingRecord | null; at: number }>();
  const failures = new Map<string, number[]>();

  const lookup = async (id: string): Promise<SettingRecord | null> => {
    const hit = cache.get(id);
    if (hit && now() - hit.at < CACHE_MS) return hit.record;
    const record = await store.get('shared_link', id);
    if (cache.size > 1_000) cache.clear();
    cache.set(id, { record, at: now() });
    return record;
  };
  const view = (record: SettingRecord): LinkView => {
    const link = JSON.parse(record.body) as StoredLink;
    return {
      id: record.id,
      site_id: record.siteId,
      name: link.name,
      has_password: link.password !== null,
      created_at: new Date(record.createdAt).toISOString(),
    };
  };

  return {
    async create(body: unknown): Promise<LinkView & { token: string; url: string }> {
      const input = objectBody(body, ['site_id', 'name', 'password']);
      const name = input.name === undefined ? 'Shared link' : nameOf(input.name);
      if (
        input.password !== undefined &&
        (typeof input.password !== 'string' ||
          input.password.length < 8 ||
          input.password.length > 200)
      ) {
        invalid('password', 'must be a string of 8 to 200 characters');
      }
      if ((await store.list('shared_link', input.site_id)).length >= MAX_LINKS_PER_SITE)
        invalid('site_id', `a site may have at most ${MAX_LINKS_PER_SITE} shared links`);
      const token = `${LINK_PREFIX}${randomBytes(24).toString('base64url')}`;
      const stored: StoredLink = {
        name,
        password: typeof input.password === 'string' ? await hashPassword(input.password) : null,
      };
      const record: SettingRecord = {
        kind: 'shared_link',
        siteId: input.site_id,
        id: digestOf(token),
        body: JSON.stringify(stored),
        createdAt: now(),
      };
      await store.put(record);
      return { ...view(record), token, url: `/share/${token}` };
    },
    async list(siteId: string): Promise<LinkView[]> {
      return (await store.list('shared_link', siteId)).map(view);
    },
    async siteOf(id: string): Promise<string> {
      return (await store.get('shared_link', id))?.siteId ?? notFound('shared link');
    },
    async remove(siteId: string, id: string): Promise<void> {
      if (!(await store.remove('shared_link', siteId, id))) notFound('shared link');
      cache.delete(id);
    },

    /** The link's site and an access token: for a locked link, its password opens it for 12 hours. */
    async unlock(
      token: unknown,
      password: unknown,
    ): Promise<{ access_token: string; expires_at: string; site_id: string }> {
      if (typeof token !== 'string' || token.length > 100)
        invalid('token', 'must be the token of a shared link (csl_…)');
      if (!token.startsWith(LINK_PREFIX))
        throw unauthorized('unknown or revoked shared link', 'token');
      if (typeof password !== 'string' || password.length > 200)
        invalid('password', 'must be a string');
      const id = digestOf(token);
      const recent = (failures.get(id) ?? []).filter((t) => now() - t < FAILURE_WINDOW_MS);
      if (recent.length >= FAILURES_ALLOWED)
        throw new ClickstreamError(
          'RATE_LIMITED',
          'too many wrong passwords for this link; try again in a few minutes',
        );
      const record = await store.get('shared_link', id);
      if (!record) throw unauthorized('unknown or revoked shared link', 'token');
      const stored = (JSON.parse(record.body) as StoredLink).password;
      if (stored === null)
        return {
          access_token: token,
          expires_at: new Date(now() + UNLOCKED_FOR_MS).toISOString(),
          site_id: record.siteId,
        };
      if (!(await passwordMatches(password, stored))) {
        failures.set(id, [...recent, now()]);
        throw unauthorized('wrong password', 'password');
      }
      const expires = now() + UNLOCKED_FOR_MS;
      return {
        access_token: `${token}.${expires}.${macOf(stored, id, expires)}`,
        expires_at: new Date(expires).toISOString(),
        site_id: record.siteId,
      };
    },

    /**
     * The access a bearer credential grants when it is a shared link's (read-only, one site);
     * undefined when it is not a link's at all (an API key, or none). Throws UNAUTHORIZED for an
     * unknown or revoked link, or a locked one without a valid access token.
     */
    access(bearer: string | undefined): Promise<QueryAccess> | undefined {
      if (bearer === undefined || !bearer.startsWith(LINK_PREFIX)) return undefined;
      return (async () => {
        const [token = '', expires, mac] = bearer.split('.');
        const id = digestOf(token);
        const record = await lookup(id);
        if (!record) throw unauthorized('unknown or revoked shared link');
        const stored = (JSON.parse(record.body) as StoredLink).password;
        if (stored !== null) {
          const valid =
            expires !== undefined &&
            mac !== undefined &&
            Number(expires) > now() &&
            safeEqual(mac, macOf(stored, id, Number(expires)));
          if (!valid) throw unauthorized('this shared link needs its password', 'password');
        }
        return { sites: new Set([record.siteId]), via: 'shared-link' };
      })();
    },
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
