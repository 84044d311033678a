import { shareToken } from './state.js';

/**
 * The query API's key (API_KEYS), asked for once per tab and kept in sessionStorage: gone when the
 * tab closes, never in a cookie, so no other site can make the browser send it. On a shared link's
 * page the bearer is the link's access token instead (its token, or after its password, the token
 * `POST /share/unlock` answered).
 */
const STORAGE_KEY = 'clickstream.apiKey';
const LINK_KEY = 'clickstream.linkAccess';

export function apiKey(): string | null {
  if (shareToken) return sessionStorage.getItem(LINK_KEY) ?? shareToken;
  return sessionStorage.getItem(STORAGE_KEY);
}

export function setLinkAccess(token: string): void {
  sessionStorage.setItem(LINK_KEY, token);
}

export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** fetch with the key; on 401 asks for a key (once) and retries. A shared link never asks. */
export async function fetchWithKey(input: string, init: RequestInit = {}): Promise<Response> {
  const send = () =>
    fetch(input, {
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), ...authHeaders() },
    });
  const response = await send();
  if (response.status !== 401 || shareToken) return response;
  const key = window.prompt('API key for this Clickstream (API_KEYS)');
  if (!key) return response;
  sessionStorage.setItem(STORAGE_KEY, key.trim());
  return send();
}
