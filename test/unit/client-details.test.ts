import { describe, expect, it } from 'vitest';
import { anonymiseIp, describeAgent } from '../../src/ingest/client-details.js';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describe('anonymiseIp', () => {
  it.each([
    ['192.168.1.1', '192.168.1.0'],
    ['10.20.30.255', '10.20.30.0'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::'],
    ['2001:0db8:abcd:0012:0000:0000:0000:0001', '2001:db8:abcd::'],
    ['1:2:3:4:5:6:7:8', '1:2:3::'],
    ['::ffff:192.168.1.1', '192.168.1.0'],
  ])('truncates %s to %s', (ip, prefix) => {
    expect(anonymiseIp(ip, 'truncate')).toBe(prefix);
  });

  it('gives one prefix for every spelling of an IPv6 network', () => {
    const spellings = ['2001:db8::1', '2001:0db8:0000::1', '2001:db8:0:ffff::', '2001:DB8:0:1:2:3:4:5'];
    expect(new Set(spellings.map((ip) => anonymiseIp(ip, 'truncate')?.toLowerCase())).size).toBe(1);
  });

  it('keeps nothing in mode none', () => {
    expect(anonymiseIp('192.168.1.1', 'none')).toBeNull();
    expect(anonymiseIp('2001:db8::1', 'none')).toBeNull();
  });

  it.each(['', 'localhost', '999.1.1.1', '192.168.1', '::ffff:999.1.1.1', 'not-an-ip'])('refuses %j', (ip) => {
    expect(anonymiseIp(ip, 'truncate')).toBeNull();
  });

  it('keeps no host bits: IPv4 ends in .0, IPv6 keeps three groups at most', () => {
    expect(anonymiseIp('203.0.113.77', 'truncate')).toMatch(/^203\.0\.113\.0$/);
    expect(anonymiseIp('::ffff:198.51.100.23', 'truncate')).toBe('198.51.100.0');
    const v6 = anonymiseIp('2001:db8:1234:5678:9abc:def0:1234:5678', 'truncate')!;
    expect(v6).toBe('2001:db8:1234::');
    expect(v6).not.toMatch(/5678|9abc|def0/);
  });
});

describe('describeAgent', () => {
  it('reads browser, OS and device of a desktop Chrome on Windows', () => {
    expect(describeAgent(CHROME_WINDOWS)).toEqual({ browser: 'Chrome', os: 'Windows', device: 'desktop', is_bot: false });
  });

  it('classes an iPhone as mobile', () => {
    expect(describeAgent(IPHONE)).toMatchObject({ os: 'iOS', device: 'mobile', is_bot: false });
  });

  it('flags Googlebot as a bot', () => {
    expect(describeAgent(GOOGLEBOT)).toMatchObject({ device: 'bot', is_bot: true });
  });

  it('flags a bare "Mozilla/5.0" and an empty agent as bots', () => {
    expect(describeAgent('Mozilla/5.0')).toMatchObject({ is_bot: true, device: 'bot' });
    expect(describeAgent('')).toMatchObject({ is_bot: true, device: 'bot' });
  });

  it('answers the same for a repeated agent', () => {
    expect(describeAgent(IPHONE)).toEqual(describeAgent(IPHONE));
  });
});
