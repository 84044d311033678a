import { Pool } from 'undici';
import type { ErrorKind } from './stats.js';

export type Answer =
  | {
      kind: 'answer';
      status: number;
      body: unknown;
      retryAfterMs: number | null;
      latencyMs: number;
    }
  | { kind: 'failure'; error: ErrorKind; message: string };

export interface IngestClient {
  post(path: string, body: string): Promise<Answer>;
  close(): Promise<void>;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * An undici pool with one keep-alive connection per concurrent request: no connection set-up per
 * event, and no pipelining, so one slow answer never holds up another.
 */
export function createIngestClient(
  base: URL,
  connections: number,
  timeoutMs: number,
): IngestClient {
  const pool = new Pool(base.origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: Math.min(timeoutMs, 10_000),
  });
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    async post(path, body) {
      const started = performance.now();
      try {
        const response = await pool.request({
          path: prefix + path,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await response.body.text();
        return {
          kind: 'answer',
          status: response.statusCode,
          body: parseJson(text),
          retryAfterMs: retryAfter(response.headers['retry-after']),
          latencyMs: performance.now() - started,
        };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const kind: ErrorKind =
          typeof code === 'string' && TIMEOUT_CODES.has(code) ? 'timeout' : 'network';
        return {
          kind: 'failure',
          error: kind,
          message: `${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message}`,
        };
      }
    },
    close: () => pool.close(),
  };
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function retryAfter(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  const seconds = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}
