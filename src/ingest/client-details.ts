import { isbot } from 'isbot';
import { isIP } from 'node:net';
import UAParser from 'ua-parser-js';

export interface AgentDetails {
  browser: string;
  os: string;
  device: string;
  is_bot: boolean;
}

const UNKNOWN = 'Unknown';
const cache = new Map<string, AgentDetails>();
const CACHE_LIMIT = 10_000;

/**
 * Browser, OS and device class from a User-Agent (ua-parser-js 1.x: MIT; 2.x is AGPL), and the
 * bot flag from isbot. User agents repeat heavily, so results are memoised in a bounded map.
 */
export function describeAgent(userAgent: string): AgentDetails {
  const known = cache.get(userAgent);
  if (known) return known;
  const parsed = new UAParser(userAgent).getResult();
  const bot = userAgent.trim() === '' || isbot(userAgent);
  const details: AgentDetails = {
    browser: parsed.browser.name ?? UNKNOWN,
    os: parsed.os.name ?? UNKNOWN,
    device: bot ? 'bot' : (parsed.device.type ?? 'desktop'),
    is_bot: bot,
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(userAgent, details);
  return details;
}

/**
 * What is kept of an IP address: never the address itself. `truncate` keeps the network part
 * (IPv4 /24, IPv6 /48), as Matomo and GA's anonymisation do; `none` keeps nothing.
 */
export function anonymiseIp(ip: string, mode: 'truncate' | 'none'): string | null {
  if (mode === 'none') return null;
  const mapped = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const version = isIP(mapped);
  if (version === 4) return mapped.split('.').slice(0, 3).concat('0').join('.');
  if (version === 6) return `${expandIpv6(mapped).slice(0, 3).join(':')}::`;
  return null;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = ip.includes('::') ? 8 - left.length - right.length : 0;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}
