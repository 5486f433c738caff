// Lint: type-aware TypeScript rules, no import cycles, and pure workflow files.
import js from '@eslint/js';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'lib/generated/', 'dist/', 'coverage/', 'web/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'import-x/no-cycle': 'error',
      eqeqeq: ['error', 'always'],
      // Configuration is read once, in lib/config/load.ts.
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read settings through lib/config (loadConfig), not process.env.',
        },
      ],
    },
  },
  // Workflow code must be deterministic: only the workflow SDK, types, and other workflow files.
  ...[
    ['workflows/*.ts', '^(?!@temporalio/workflow$|\\./).*'],
    // One folder down, `../` still stays inside workflows/.
    ['workflows/*/*.ts', '^(?!@temporalio/workflow$|\\./|\\.\\./(?!\\.\\./)).*'],
  ].map(([files, regex]) => ({
    files: [files],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex,
              allowTypeImports: true,
              message: 'Workflow files may import only @temporalio/workflow, types, and other workflow files.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Tests and the CLI config file may read the environment they are given; lib/config/load.ts
    // is where the application reads it.
    files: ['test/**/*.ts', 'prisma.config.ts', 'jest.config.ts', 'lib/config/load.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
