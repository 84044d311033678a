import type { FastifyInstance } from 'fastify';
import { Kind, type DocumentNode } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import type { HttpObserver } from '../observability/http-metrics.js';

interface Timing {
  started: number;
  operationType: string;
  rootField: string;
}

/**
 * Times each GraphQL operation, from parsing to resolution. The labels come from the schema (the
 * operation type and the root field), never from the client-chosen operation name, which would
 * let any client create unbounded series. Several root fields in one query count as "multiple".
 */
export function timeGraphqlOperations(
  app: FastifyInstance,
  observer: Pick<HttpObserver, 'graphql'>,
): void {
  const timings = new WeakMap<MercuriusContext, Timing>();
  app.graphql.addHook('preParsing', (_schema, _source, context) => {
    timings.set(context, {
      started: performance.now(),
      operationType: 'unknown',
      rootField: 'unknown',
    });
  });
  app.graphql.addHook('preExecution', (_schema, document, context) => {
    const timing = timings.get(context);
    if (timing) Object.assign(timing, describeOperation(document));
  });
  app.graphql.addHook('onResolution', (execution, context) => {
    const timing = timings.get(context);
    if (!timing) return;
    timings.delete(context);
    const outcome = execution.errors?.length ? 'error' : 'ok';
    observer.graphql(
      timing.operationType,
      timing.rootField,
      outcome,
      (performance.now() - timing.started) / 1000,
    );
  });
}

function describeOperation(document: DocumentNode): Pick<Timing, 'operationType' | 'rootField'> {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return { operationType: 'unknown', rootField: 'unknown' };
  const fields = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD);
  const names = new Set(fields.map((f) => f.name.value));
  const rootField = names.size === 1 ? [...names][0]! : names.size === 0 ? 'none' : 'multiple';
  return { operationType: operation.operation, rootField };
}
