import { describe, expect, it } from 'vitest';
import { validateInput } from '../../src/ingest/validate-input.js';

const base = { page_url: '/home', event_type: 'click' };
const problemOf = (value: unknown) => {
  const check = validateInput(value);
  if (check.ok) throw new Error('the input was accepted');
  return check.problem;
};

describe('validateInput', () => {
  it('accepts the seed event and a full tracker event', () => {
    expect(
      validateInput({
        user_id: '550e8400-e29b-41d4-a716-446655440000',
        page_url: '/home',
        event_type: 'click',
        user_agent: 'Mozilla/5.0',
        ip_address: '192.168.1.1',
      }).ok,
    ).toBe(true);
    expect(
      validateInput({
        ...base,
        event_id: 'abcdef123456',
        timestamp: '2026-01-31T12:00:00Z',
        site_id: 'shop',
        session_id: 's1',
        referrer: 'https://google.com/',
        title: 'Home',
        properties: { plan: 'pro', seats: 3, trial: false, coupon: null },
        element: { tag: 'button', id: 'buy', classes: ['btn'], text: 'Buy', href: '/checkout' },
        scroll_depth: 100,
        screen: { width: 1920, height: 1080 },
      }).ok,
    ).toBe(true);
  });

  it('names a missing required field', () => {
    expect(problemOf({ event_type: 'click' })).toEqual({
      field: 'page_url',
      message: 'is required',
    });
    expect(problemOf({ page_url: '/home' })).toEqual({
      field: 'event_type',
      message: 'is required',
    });
  });

  it('names a missing nested field with its path', () => {
    expect(problemOf({ ...base, screen: { width: 10 } })).toEqual({
      field: 'screen.height',
      message: 'is required',
    });
  });

  it('refuses an unknown field by name', () => {
    expect(problemOf({ event_type: 'click', pageurl: '/home', page_url: '/home' })).toEqual({
      field: 'pageurl',
      message: 'is not a known field',
    });
    expect(problemOf({ ...base, element: { tag: 'a', colour: 'red' } })).toEqual({
      field: 'element.colour',
      message: 'is not a known field',
    });
  });

  it('names a field of the wrong type', () => {
    expect(problemOf({ ...base, event_type: 5 })).toMatchObject({ field: 'event_type' });
    expect(problemOf({ ...base, page_url: '' })).toMatchObject({ field: 'page_url' });
    expect(problemOf({ ...base, user_id: 42 })).toMatchObject({ field: 'user_id' });
  });

  it('names every type a union allows', () => {
    expect(problemOf({ ...base, timestamp: 1.5 })).toEqual({
      field: 'timestamp',
      message: 'must be string or integer',
    });
    expect(problemOf({ ...base, properties: { nested: { a: 1 } } })).toEqual({
      field: 'properties.nested',
      message: 'must be string or number or boolean or null',
    });
  });

  it('refuses more than 32 properties', () => {
    const properties = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect(problemOf({ ...base, properties })).toMatchObject({ field: 'properties' });
    expect(
      validateInput({
        ...base,
        properties: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, i])),
      }).ok,
    ).toBe(true);
  });

  it.each(['bad key', '', 'k'.repeat(65), 'clé', 'a/b'])('refuses the property key %j', (key) => {
    expect(problemOf({ ...base, properties: { [key]: 1 } })).toEqual({
      field: `properties.${key}`,
      message: expect.stringContaining('key must match'),
    });
  });

  it('refuses a __proto__ property that carries an object', () => {
    const parsed: unknown = JSON.parse(
      '{"page_url":"/home","event_type":"click","properties":{"__proto__":{"polluted":true}}}',
    );
    expect(problemOf(parsed)).toMatchObject({ field: 'properties.__proto__' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('bounds scroll_depth to 0..100', () => {
    expect(problemOf({ ...base, scroll_depth: 101 })).toMatchObject({ field: 'scroll_depth' });
    expect(problemOf({ ...base, scroll_depth: -1 })).toMatchObject({ field: 'scroll_depth' });
    expect(problemOf({ ...base, scroll_depth: 50.5 })).toMatchObject({ field: 'scroll_depth' });
  });

  it('bounds the element text', () => {
    expect(problemOf({ ...base, element: { text: 'x'.repeat(1025) } })).toMatchObject({
      field: 'element.text',
    });
    expect(validateInput({ ...base, element: { text: 'x'.repeat(1024) } }).ok).toBe(true);
  });

  it('reports a pattern rule once, readably', () => {
    const problem = problemOf({ ...base, event_id: 'short' });
    expect(problem.field).toBe('event_id');
    expect(problem.message.split('^[A-Za-z0-9_-]{8,64}$')).toHaveLength(2);
  });

  it.each([
    ['a string', 'hello'],
    ['an array', [base]],
    ['null', null],
    ['a number', 42],
    ['a boolean', true],
  ])('refuses %s as the event', (_name, value) => {
    expect(problemOf(value)).toEqual({ field: 'event', message: 'must be a JSON object' });
  });
});
