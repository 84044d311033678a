import pino, { type Logger } from 'pino';

/**
 * The root logger. Components take `logger.child({ component })`. Authorization headers and
 * cookies are redacted so a secret never reaches the logs.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'clickstream' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret'],
      censor: '[redacted]',
    },
  });
}
