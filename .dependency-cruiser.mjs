/**
 * Import cycles fail the lint (`npm run lint:imports`, part of `npm run lint`): a cycle between two
 * modules, and a loop between two folders (a → b → a through any files), which is how layers
 * start to lean on each other. test/unit/import-cycles.test.ts holds this file to both cases.
 */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Two modules that import each other (type-only imports count too).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-loop',
      comment: 'A folder that imports from a folder that imports from it.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
