import { describe, expect, it } from 'vitest';
import { ClickstreamError } from '../../src/domain/errors.js';
import { parsePageUrl, referrerHost } from '../../src/ingest/page-url.js';

describe('parsePageUrl', () => {
  it.each([
    ['/home', '/home'],
    ['/', '/'],
    ['/blog/post-1', '/blog/post-1'],
    ['/home/', '/home'],
    ['/home///', '/home'],
    ['/home?ref=mail', '/home'],
    ['/home/?ref=mail#top', '/home'],
    ['/home#section', '/home'],
    ['/caf%C3%A9', '/café'],
    ['/broken%E0%A4%A', '/broken%E0%A4%A'],
  ])('the page of %s is %s', (url, page) => {
    expect(parsePageUrl(url)).toMatchObject({ page, hostname: null });
  });

  it('takes the path and host of an absolute URL', () => {
    expect(parsePageUrl('https://Example.com/blog/post-1/?x=1')).toEqual({
      page: '/blog/post-1',
      hostname: 'example.com',
      utm: { source: null, medium: null, campaign: null, content: null, term: null },
    });
    expect(parsePageUrl('http://example.com')).toMatchObject({
      page: '/',
      hostname: 'example.com',
    });
  });

  it('keeps UTM parameters apart from the page', () => {
    expect(
      parsePageUrl(
        '/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale&id=7',
      ),
    ).toEqual({
      page: '/landing',
      hostname: null,
      utm: {
        source: 'newsletter',
        medium: 'email',
        campaign: 'spring sale',
        content: null,
        term: null,
      },
    });
    expect(
      parsePageUrl('https://shop.example/p?utm_content=hero%20banner&utm_term=running+shoes').utm,
    ).toEqual({
      source: null,
      medium: null,
      campaign: null,
      content: 'hero banner',
      term: 'running shoes',
    });
  });

  it('bounds a UTM value and treats an empty one as absent', () => {
    const { utm } = parsePageUrl(
      `/x?utm_source=${'a'.repeat(1000)}&utm_medium=&utm_term=${'t'.repeat(300)}&utm_content=${'c'.repeat(257)}`,
    );
    expect(utm.source).toHaveLength(256);
    expect(utm.medium).toBeNull();
    expect(utm.term).toHaveLength(256);
    expect(utm.content).toHaveLength(256);
  });

  it.each([
    'home',
    '',
    'ftp://example.com/file',
    'javascript:alert(1)',
    'mailto:a@example.com',
    ' /home',
    'http://',
  ])('refuses %j with an error on page_url', (url) => {
    let caught: unknown;
    try {
      parsePageUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ClickstreamError);
    expect(caught).toMatchObject({ code: 'INVALID_EVENT', field: 'page_url' });
  });
});

describe('referrerHost', () => {
  it('is the host without www, or null', () => {
    expect(referrerHost('https://www.google.com/search?q=x')).toBe('google.com');
    expect(referrerHost('https://news.ycombinator.com/')).toBe('news.ycombinator.com');
    expect(referrerHost(undefined)).toBeNull();
    expect(referrerHost('')).toBeNull();
    expect(referrerHost('not a url')).toBeNull();
  });
});

describe('memoised parses', () => {
  it('answers a repeated URL with the same frozen result, and refuses a bad one every time', () => {
    const first = parsePageUrl('https://example.com/pricing?utm_source=a');
    expect(parsePageUrl('https://example.com/pricing?utm_source=a')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.utm)).toBe(true);
    for (let i = 0; i < 2; i++)
      expect(() => parsePageUrl('//evil.example/x')).toThrow(ClickstreamError);
    expect(referrerHost('https://www.bing.com/')).toBe('bing.com');
    expect(referrerHost('https://www.bing.com/')).toBe('bing.com');
  });

  it('stays right past its bound', () => {
    for (let i = 0; i < 20_000; i++) parsePageUrl(`/p/${i}/${'x'.repeat(200)}?utm_source=s${i}`);
    expect(parsePageUrl('/p/7/' + 'x'.repeat(200) + '?utm_source=s7')).toMatchObject({
      page: `/p/7/${'x'.repeat(200)}`,
      utm: { source: 's7' },
    });
  });
});
