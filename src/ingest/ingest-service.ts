import { ClickstreamError, isClickstreamError } from '../domain/errors.js';
import { encodeEvent, logKey } from '../domain/event-codec.js';
import type { TrackedEvent } from '../domain/tracked-event.js';
import type { EventLog } from '../ports/event-log.js';
import { enrichEvent, type EnrichOptions, type RequestContext } from './enrich-event.js';
import { validateInput, type InputProblem } from './validate-input.js';

export interface Rejection extends InputProblem {
  index: number;
}

export interface IngestResult {
  accepted: TrackedEvent[];
  rejected: Rejection[];
}

export interface IngestObserver {
  /** Events in one request, valid or not: the batch size a client sends. */
  received(count: number): void;
  accepted(count: number): void;
  rejected(reason: string): void;
  appended(seconds: number, count: number): void;
}

export interface IngestService {
  /** Validates and enriches each input; appends the good ones durably. One bad input never drops the others. */
  track(inputs: readonly unknown[], context: RequestContext): Promise<IngestResult>;
}

export function createIngestService(
  log: EventLog,
  options: EnrichOptions,
  observer: IngestObserver,
): IngestService {
  // The geolocation database loads in the background from here on, so the start does not wait
  // for it; requests that arrive before it is loaded wait for it (not for the start).
  let geoOpen = options.geo === undefined;
  const geoOpening = options.geo?.open().then(() => void (geoOpen = true));
  return {
    async track(inputs, context) {
      if (!geoOpen) await geoOpening;
      observer.received(inputs.length);
      const accepted: TrackedEvent[] = [];
      const rejected: Rejection[] = [];
      inputs.forEach((value, index) => {
        const check = validateInput(value);
        if (!check.ok) return void rejected.push({ index, ...check.problem });
        try {
          accepted.push(enrichEvent(check.input, context, options));
        } catch (error) {
          if (!isClickstreamError(error)) throw error;
          rejected.push({ index, field: error.field ?? 'event', message: error.message });
        }
      });
      for (const r of rejected) observer.rejected(r.field);
      if (accepted.length > 0) {
        const started = performance.now();
        await log.append(
          accepted.map((event) => ({ key: logKey(event), value: encodeEvent(event) })),
        );
        observer.appended((performance.now() - started) / 1000, accepted.length);
        observer.accepted(accepted.length);
      }
      return { accepted, rejected };
    },
  };
}

/** A single-event request fails as a whole: its one problem becomes the 400. */
export function singleEventError(rejection: Rejection): ClickstreamError {
  return new ClickstreamError('INVALID_EVENT', `${rejection.field} ${rejection.message}`, {
    field: rejection.field,
  });
}
