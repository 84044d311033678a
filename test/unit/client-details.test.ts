import { describe, expect, it } from 'vitest';
import { anonymiseIp, clientAddress, describeAgent } from '../../src/ingest/client-details.js';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
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
    const spellings = [
      '2001:db8::1',
      '2001:0db8:0000::1',
      '2001:db8:0:ffff::',
      '2001:DB8:0:1:2:3:4:5',
    ];
    expect(new Set(spellings.map((ip) => anonymiseIp(ip, 'truncate')?.toLowerCase())).size).toBe(1);
  });

  it('keeps nothing in mode none', () => {
    expect(anonymiseIp('192.168.1.1', 'none')).toBeNull();
    expect(anonymiseIp('2001:db8::1', 'none')).toBeNull();
  });

  it.each(['', 'localhost', '999.1.1.1', '192.168.1', '::ffff:999.1.1.1', 'not-an-ip'])(
    'refuses %j',
    (ip) => {
      expect(anonymiseIp(ip, 'truncate')).toBeNull();
    },
  );

  it('keeps no host bits: IPv4 ends in .0, IPv6 keeps three groups at most', () => {
    expect(anonymiseIp('203.0.113.77', 'truncate')).toMatch(/^203\.0\.113\.0$/);
    expect(anonymiseIp('::ffff:198.51.100.23', 'truncate')).toBe('198.51.100.0');
    const v6 = anonymiseIp('2001:db8:1234:5678:9abc:def0:1234:5678', 'truncate')!;
    expect(v6).toBe('2001:db8:1234::');
    expect(v6).not.toMatch(/5678|9abc|def0/);
  });
});

describe('clientAddress', () => {
  it.each([
    ['8.8.8.8', { ip: '8.8.8.8', version: 4, prefix: '8.8.8.0' }],
    ['::ffff:8.8.4.4', { ip: '8.8.4.4', version: 4, prefix: '8.8.4.0' }],
    [
      '2001:4860:4860::8888',
      { ip: '2001:4860:4860::8888', version: 6, prefix: '2001:4860:4860::' },
    ],
    ['2A01:4F8::1', { ip: '2A01:4F8::1', version: 6, prefix: '2a01:4f8:0::' }],
  ])('reads %s once: version, address and network', (ip, expected) => {
    expect(clientAddress(ip)).toEqual(expected);
  });

  it.each(['', 'localhost', '1.2.3', '1.2.3.4.5', '::ffff:999.1.1.1'])('is null for %j', (ip) => {
    expect(clientAddress(ip)).toBeNull();
  });
});

describe('describeAgent', () => {
  it('reads browser, OS and device of a desktop Chrome on Windows', () => {
    expect(describeAgent(CHROME_WINDOWS)).toEqual({
      browser: 'Chrome',
      browser_version: '124',
      os: 'Windows',
      os_version: '10',
      device: 'desktop',
      is_bot: false,
    });
  });

  it.each([
    [IPHONE, 'Mobile Safari', '17', 'iOS', '17.4'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
      'Safari',
      '18',
      'Mac OS',
      '10.15.7',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox',
      '133',
      'Linux',
      null,
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
      'Chrome',
      '131',
      'Android',
      '14',
    ],
  ])(
    'reads the browser major version and the OS version: %s',
    (agent, browser, browserVersion, os, osVersion) => {
      expect(describeAgent(agent)).toMatchObject({
        browser,
        browser_version: browserVersion,
        os,
        os_version: osVersion,
      });
    },
  );

  it('has no versions for an agent that names none', () => {
    expect(describeAgent('curl/8.5.0')).toMatchObject({ browser_version: null, os_version: null });
    expect(describeAgent('')).toMatchObject({
      browser: 'Unknown',
      browser_version: null,
      os: 'Unknown',
      os_version: null,
    });
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

  it('answers the same for a repeated agent, from its cache', () => {
    expect(describeAgent(IPHONE)).toBe(describeAgent(IPHONE));
  });

  it('still answers right once more agents were seen than the cache holds', () => {
    for (let i = 0; i < 10_050; i++)
      describeAgent(`Mozilla/5.0 (X11; Linux x86_64; rv:${i}.0) Gecko/20100101 Firefox/${i}.0`);
    expect(describeAgent(CHROME_WINDOWS)).toMatchObject({
      browser: 'Chrome',
      browser_version: '124',
    });
    expect(
      describeAgent('Mozilla/5.0 (X11; Linux x86_64; rv:3.0) Gecko/20100101 Firefox/3.0'),
    ).toMatchObject({ browser: 'Firefox', browser_version: '3' });
  });
});
