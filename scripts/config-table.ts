import { ConfigSchema } from '../src/config/config-schema.js';

/** Prints the table of docs/configuration.md from the schema (npm run docs:config). */
const rows = Object.entries(
  ConfigSchema.properties as Record<
    string,
    { default?: string | number | boolean | string[]; description?: string }
  >,
).map(([name, schema]) => {
  const value = Array.isArray(schema.default) ? schema.default.join(',') : schema.default;
  const shown = value === undefined ? '—' : value === '' ? '(empty)' : `\`${String(value)}\``;
  // A `|` in a description (SITE_ORIGINS, API_KEYS formats) would end the Markdown cell.
  return `| \`${name}\` | ${shown} | ${(schema.description ?? '').replaceAll('|', '\\|')} |`;
});
process.stdout.write(
  ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n') + '\n',
);
