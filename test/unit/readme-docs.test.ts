import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config-schema.js';
import { ErrorCodes } from '../../src/domain/errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** A setting may be documented in README's configuration table or in a table of a page under docs/. */
const docsDir = new URL('../../docs/', import.meta.url);
const docs = [readme, ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => readFileSync(new URL(f, docsDir), 'utf8'))].join('\n');

describe('README stays true to the code', () => {
  it('documents every setting with its default', () => {
    for (const [name, schema] of Object.entries(ConfigSchema.properties as Record<string, { default?: string | number | boolean | string[] }>)) {
      const line = docs.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(line, `neither README's configuration table nor docs/*.md documents ${name}`).toBeDefined();
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
