import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config-schema.js';
import { ErrorCodes } from '../../src/domain/errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README stays true to the code', () => {
  it('documents every setting with its default', () => {
    for (const [name, schema] of Object.entries(ConfigSchema.properties as Record<string, { default?: string | number | boolean | string[] }>)) {
      const line = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(line, `README configuration table lacks ${name}`).toBeDefined();
      const empty = schema.default === '' || (Array.isArray(schema.default) && schema.default.length === 0);
      if (schema.default !== undefined && !empty) {
        const shown = Array.isArray(schema.default) ? schema.default.join(',') : String(schema.default);
        expect(line, `${name} default`).toContain(`\`${shown}\``);
      }
    }
  });

  it('lists every error code a client can receive', () => {
    for (const code of Object.keys(ErrorCodes)) {
      expect(readme, `README lacks error code ${code}`).toContain(`\`${code}\``);
    }
  });
});
