import type { FastifyInstance } from 'fastify';

/** Requests through `app.inject` with a bearer (default: the all-sites key the settings tests configure). */
export const DEFAULT_KEY = 'all-sites-key-0123456789';

export interface Caller {
  app: FastifyInstance;
  call(
    method: string,
    url: string,
    body?: unknown,
    bearer?: string,
  ): Promise<{ status: number; body: any }>;
}

export function callerOf(app: FastifyInstance): Caller {
  return {
    app,
    async call(method, url, body, bearer = DEFAULT_KEY) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
      });
      return { status: response.statusCode, body: response.body ? safeJson(response.body) : null };
    },
  };
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
