import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';

const require = createRequire(import.meta.url);
const TYPES = join(dirname(require.resolve('@grafana/schema/package.json')), 'dist/types');

/** The @grafana/schema version the dashboards are checked against. */
export const GRAFANA_SCHEMA_VERSION: string = (
  require('@grafana/schema/package.json') as { version: string }
).version;

/**
 * JSON Schema for one type of Grafana's published schema. @grafana/schema ships the types that
 * Grafana generates from its CUE kinds (the dashboard kind and each panel plugin's options), as
 * TypeScript declarations only; ts-json-schema-generator turns one into a JSON Schema. Objects are
 * closed (additionalProperties: false) so a misspelt field fails instead of being ignored by Grafana.
 */
function schemaOf(file: string, type: string, closed: boolean): ValidateFunction {
  const schema = createGenerator({
    path: join(TYPES, file),
    type,
    skipTypeCheck: true,
    additionalProperties: !closed,
    expose: 'all',
    topRef: true,
    jsDoc: 'none',
  }).createSchema(type);
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

export interface GrafanaValidators {
  dashboard: ValidateFunction;
  /** Panel options and field config by panel plugin id. */
  panels: Record<string, { options: ValidateFunction; fieldConfig: ValidateFunction | undefined }>;
  /** Grafana's base query; each data source adds its own fields (Prometheus: expr, legendFormat…). */
  query: ValidateFunction;
}

export function grafanaValidators(): GrafanaValidators {
  return {
    dashboard: schemaOf('raw/dashboard/x/types.gen.d.ts', 'Dashboard', true),
    panels: {
      timeseries: {
        options: schemaOf('raw/composable/timeseries/panelcfg/x/types.gen.d.ts', 'Options', true),
        fieldConfig: schemaOf(
          'raw/composable/timeseries/panelcfg/x/types.gen.d.ts',
          'FieldConfig',
          true,
        ),
      },
      stat: {
        options: schemaOf('raw/composable/stat/panelcfg/x/types.gen.d.ts', 'Options', true),
        fieldConfig: undefined,
      },
    },
    query: schemaOf('common/common.gen.d.ts', 'DataQuery', false),
  };
}
