import { Compile } from 'typebox/compile';
import { PROPERTY_KEY_PATTERN, TrackInputSchema, type TrackInput } from '../domain/track-input.js';

const checker = Compile(TrackInputSchema);
const propertyKey = new RegExp(PROPERTY_KEY_PATTERN);
type ValidationError = ReturnType<typeof checker.Errors>[number];

export interface InputProblem {
  /** Dotted path of the offending field, e.g. `element.text`; `event` for the whole event. */
  field: string;
  message: string;
}

export type InputCheck = { ok: true; input: TrackInput } | { ok: false; problem: InputProblem };

/** Checks one event against the schema and reports the first problem by field and rule. */
export function validateInput(value: unknown): InputCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: { field: 'event', message: 'must be a JSON object' } };
  }
  if (checker.Check(value)) return { ok: true, input: value };
  return { ok: false, problem: describeFirstError(value) };
}

function describeFirstError(value: object): InputProblem {
  const errors = checker.Errors(value);
  // The most specific error is the one with the longest path; unions report their branches first.
  const error = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  if (!error) return { field: 'event', message: 'is not a valid event' };
  const field = error.instancePath.slice(1).replaceAll('/', '.') || 'event';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String((params.requiredProperties as string[] | undefined)?.[0] ?? '?');
      return { field: field === 'event' ? missing : `${field}.${missing}`, message: 'is required' };
    }
    case 'additionalProperties': {
      const extra = (params.additionalProperties as string[] | undefined)?.[0] ?? '?';
      return {
        field: field === 'event' ? extra : `${field}.${extra}`,
        message: 'is not a known field',
      };
    }
    case 'boolean':
      // `additionalProperties: false` also reports the extra field itself against the false schema.
      if (error.schemaPath.endsWith('/additionalProperties'))
        return { field, message: 'is not a known field' };
      return { field, message: error.message };
    case 'propertyNames':
    case 'pattern':
      if (field.startsWith('properties')) return propertyNameProblem(value);
      return { field, message: error.message };
    case 'type':
      return { field, message: unionTypes(errors, error.instancePath) ?? error.message };
    default:
      return { field, message: error.message };
  }
}

/** When every branch of a union failed on its type, names them all (`must be string or integer`). */
function unionTypes(errors: readonly ValidationError[], path: string): string | undefined {
  const branches = errors.filter(
    (e) => e.instancePath === path && /\/anyOf\/\d+$/.test(e.schemaPath),
  );
  if (branches.length < 2 || branches.some((e) => e.keyword !== 'type')) return undefined;
  return `must be ${branches.map((e) => String((e.params as { type?: unknown }).type)).join(' or ')}`;
}

function propertyNameProblem(value: object): InputProblem {
  const props = (value as { properties?: Record<string, unknown> }).properties ?? {};
  const bad = Object.keys(props).find((k) => !propertyKey.test(k));
  return bad === undefined
    ? { field: 'properties', message: 'has an invalid key' }
    : { field: `properties.${bad}`, message: `key must match ${PROPERTY_KEY_PATTERN}` };
}
