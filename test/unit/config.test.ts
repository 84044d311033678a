import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('applies every default to an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      DATA_DIR: './data',
      ROLES: ['ingest', 'processor', 'query'],
      EVENT_LOG: 'sqlite',
      STORE: 'duckdb',
      DUCKDB_MEMORY_LIMIT_MB: 256,
      DUCKDB_THREADS: 2,
      TRUSTED_PROXIES: [],
      BODY_LIMIT_BYTES: 1_048_576,
      MAX_BATCH_EVENTS: 1000,
      MAX_EVENT_AGE_HOURS: 168,
      MAX_CLOCK_SKEW_SECONDS: 300,
      IP_STORAGE: 'truncate',
      MAX_QUERY_RANGE_DAYS: 400,
      GRAPHQL_MAX_DEPTH: 6,
      GRAPHQL_MAX_COST: 100,
      GRAPHIQL: true,
      LOG_LEVEL: 'info',
      FAILPOINT: '',
    });
    expect(loadConfig({}).VISITOR_SALT_SECRET).toBeUndefined();
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', ROLES: '' })).toMatchObject({
      PORT: 8080,
      ROLES: ['ingest', 'processor', 'query'],
    });
  });

  it('converts numbers and booleans and trims values', () => {
    expect(
      loadConfig({ PORT: ' 0 ', GRAPHIQL: 'false', MAX_BATCH_EVENTS: '5', LOG_LEVEL: 'silent' }),
    ).toMatchObject({
      PORT: 0,
      GRAPHIQL: false,
      MAX_BATCH_EVENTS: 5,
      LOG_LEVEL: 'silent',
    });
  });

  it('parses comma-separated lists', () => {
    expect(
      loadConfig({
        ROLES: ' ingest , query ',
        TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8,',
        KAFKA_BROKERS: 'a:9092,b:9093',
      }),
    ).toMatchObject({
      ROLES: ['ingest', 'query'],
      TRUSTED_PROXIES: ['127.0.0.1', '10.0.0.0/8'],
      KAFKA_BROKERS: ['a:9092', 'b:9093'],
    });
  });

  it.each([
    ['ROLES', 'ingest,bogus'],
    ['ROLES', ','],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['BODY_LIMIT_BYTES', '0'],
    ['MAX_BATCH_EVENTS', '1.5'],
    ['IP_STORAGE', 'hash'],
    ['EVENT_LOG', 'redis'],
    ['GRAPHIQL', 'maybe'],
    ['KAFKA_BROKERS', 'localhost'],
    ['DEFAULT_SITE_ID', 'Has Spaces'],
    ['LOG_LEVEL', 'verbose'],
    ['MAX_QUERY_RANGE_DAYS', '100000'],
  ])('names the variable of a bad value: %s=%s', (name, value) => {
    const error = errorOf({ [name]: value });
    expect(error.message.startsWith(`${name}=${JSON.stringify(value)} is invalid`)).toBe(true);
  });

  it.each([
    ['VISITOR_SALT_SECRET', 'short'],
    ['API_KEYS', 'short-key'],
    ['METRICS_API_KEY', 'has spaces in it!'],
  ])('names a bad secret setting without echoing its value: %s', (name, value) => {
    const error = errorOf({ [name]: value });
    expect(error.message.startsWith(`${name} is invalid`)).toBe(true);
    expect(error.message).not.toContain(value);
  });

  it('names the first bad variable when several are bad, and describes it', () => {
    const error = errorOf({ PORT: 'x', IP_STORAGE: 'hash' });
    expect(error.message).toMatch(/^PORT="x" is invalid: .*\(HTTP port\.\)$/);
  });

  it('refuses a DuckDB memory limit too small to run in', () => {
    expect(errorOf({ DUCKDB_MEMORY_LIMIT_MB: '8' }).message).toMatch(
      /^DUCKDB_MEMORY_LIMIT_MB="8" is invalid: must be >= 64 /,
    );
    expect(loadConfig({ DUCKDB_MEMORY_LIMIT_MB: '1024', DUCKDB_THREADS: '4' })).toMatchObject({
      DUCKDB_MEMORY_LIMIT_MB: 1024,
      DUCKDB_THREADS: 4,
    });
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' })).not.toThrow();
  });
});
