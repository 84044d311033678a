import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      '.baseline/',
      'coverage/',
      'node_modules/',
      '.services/',
      '.cache/',
      'test-artifacts/',
      'data/',
      'web/dist/',
      'tracker/dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Port methods are async by contract even where an adapter's work is synchronous.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Only the composition root wires adapters; everything else talks to ports.
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/compose/**', 'src/event-log/**', 'src/store/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/event-log/sqlite/**',
                '**/event-log/kafka/**',
                '**/store/sqlite/**',
                '**/store/cassandra/**',
              ],
              message:
                'Import the port from src/ports/, not an adapter. Only the composition root wires adapters.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    // CLI entry points are processes of their own: they hand their environment to loadConfig.
    ignores: ['src/config/**', 'src/main.ts', 'src/cli/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/config/ reads process.env.' },
      ],
    },
  },
  {
    // Tests read JSON answers loosely; the production code keeps the strict rules.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
