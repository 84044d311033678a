import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import { isIP } from 'node:net';
import UAParser from 'ua-parser-js';

export interface AgentDetails {
  browser: string;
  /** The browser's major version (`131`), or null when the agent does not say. */
  browser_version: string | null;
  os: string;
  /** The OS version as ua-parser-js reads it (`10`, `17.4`, `10.15.7`), or null. */
  os_version: string | null;
  device: string;
  is_bot: boolean;
}

const UNKNOWN = 'Unknown';
const VERSION_LENGTH = 32;

/**
 * A site's traffic comes from a few hundred distinct user agents, and parsing one costs tens of
 * microseconds, so each is parsed once. The parse is a pure function of the string, which is why
 * one cache serves the whole process; least recently seen agents go first under a flood of new ones.
 */
const agents = new LRUCache<string, AgentDetails>({ max: 10_000 });

/**
 * Browser, OS (with versions) and device class from a User-Agent (ua-parser-js 1.x: MIT; 2.x is
 * AGPL), and the bot flag from isbot.
 */
export function describeAgent(userAgent: string): AgentDetails {
  const known = agents.get(userAgent);
  if (known) return known;
  const parsed = new UAParser(userAgent).getResult();
  const bot = userAgent.trim() === '' || isbot(userAgent);
  const details: AgentDetails = {
    browser: parsed.browser.name ?? UNKNOWN,
    browser_version: version(parsed.browser.major),
    os: parsed.os.name ?? UNKNOWN,
    os_version: version(parsed.os.version),
    device: bot ? 'bot' : (parsed.device.type ?? 'desktop'),
    is_bot: bot,
  };
  agents.set(userAgent, details);
  return details;
}

function version(value: string | undefined): string | null {
  return value ? value.slice(0, VERSION_LENGTH) : null;
}

/** An address as the rest of ingest sees it: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is its IPv4. */
export interface ClientAddress {
  ip: string;
  version: 4 | 6;
  /** The network part only (IPv4 /24, IPv6 /48), as Matomo and GA's anonymisation keep it. */
  prefix: string;
}

/** Parses a client address once for everything that needs it; null when it is not an IP address. */
export function clientAddress(ip: string): ClientAddress | null {
  const mapped = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const version = isIP(mapped);
  if (version === 4)
    return { ip: mapped, version, prefix: `${mapped.slice(0, mapped.lastIndexOf('.'))}.0` };
  if (version === 6)
    return { ip: mapped, version, prefix: `${expandIpv6(mapped).slice(0, 3).join(':')}::` };
  return null;
}

/**
 * What is kept of an IP address: never the address itself. `truncate` keeps the network part
 * (IPv4 /24, IPv6 /48); `none` keeps nothing.
 */
export function anonymiseIp(ip: string, mode: 'truncate' | 'none'): string | null {
  if (mode === 'none') return null;
  return clientAddress(ip)?.prefix ?? null;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = ip.includes('::') ? 8 - left.length - right.length : 0;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) =>
    g.replace(/^0+(?=.)/, '').toLowerCase(),
  );
}
