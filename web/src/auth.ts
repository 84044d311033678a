/**
 * The query API's key (API_KEYS), asked for once per tab and kept in sessionStorage: gone when the
 * tab closes, never in a cookie, so no other site can make the browser send it.
 */
const STORAGE_KEY = 'clickstream.apiKey';

export function apiKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** fetch with the key; on 401 asks for a key (once) and retries. */
export async function fetchWithKey(input: string, init: RequestInit = {}): Promise<Response> {
  const send = () => fetch(input, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...authHeaders() } });
  const response = await send();
  if (response.status !== 401) return response;
  const key = window.prompt('API key for this Clickstream (API_KEYS)');
  if (!key) return response;
  sessionStorage.setItem(STORAGE_KEY, key.trim());
  return send();
}
