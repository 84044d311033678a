import { Histogram, type Registry } from 'prom-client';
import { LATENCY_SECONDS, SIZE_BYTES } from './metric-buckets.js';

export interface HttpObserver {
  request(
    method: string,
    route: string,
    statusCode: number,
    seconds: number,
    requestBytes: number | undefined,
  ): void;
  graphql(operationType: string, rootField: string, outcome: 'ok' | 'error', seconds: number): void;
}

export function createHttpMetrics(registry: Registry): HttpObserver {
  const registers = [registry];
  const duration = new Histogram({
    name: 'clickstream_http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_SECONDS,
    registers,
  });
  const size = new Histogram({
    name: 'clickstream_http_request_size_bytes',
    help: 'Request body size (Content-Length) by route and method.',
    labelNames: ['method', 'route'] as const,
    buckets: SIZE_BYTES,
    registers,
  });
  const graphql = new Histogram({
    name: 'clickstream_graphql_operation_duration_seconds',
    help: 'GraphQL execution time by operation type and root field (the schema bounds both labels).',
    labelNames: ['operation_type', 'root_field', 'outcome'] as const,
    buckets: LATENCY_SECONDS,
    registers,
  });
  return {
    request(method, route, statusCode, seconds, requestBytes) {
      duration.observe({ method, route, status_code: String(statusCode) }, seconds);
      if (requestBytes !== undefined) size.observe({ method, route }, requestBytes);
    },
    graphql: (operation_type, root_field, outcome, seconds) =>
      graphql.observe({ operation_type, root_field, outcome }, seconds),
  };
}
