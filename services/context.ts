import { resolveJava } from './java.js';
import type { Layout } from './layout.js';
import { resolveLayout } from './layout.js';
import type { LogLine } from './types.js';

/** What every driver and command needs, built once per CLI run or API call. */
export interface ServicesContext {
  readonly layout: Layout;
  readonly javaBin: string;
  readonly log: LogLine;
}

export function createContext(log: LogLine, env: NodeJS.ProcessEnv = process.env): ServicesContext {
  return { layout: resolveLayout(env), javaBin: resolveJava(env), log };
}
