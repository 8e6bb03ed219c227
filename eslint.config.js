import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './eslint/boundaries.js';

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'src/generated/**', 'var/**', 'notebooks/**', 'reports/**', 'src/web/vendor/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Type-aware rules for the TypeScript sources: a promise nobody awaits loses its error.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // API tests use the typed client (app.client). The raw helper whose bodies were `any`
    // (untypedRequest) is gone and must not come back, under that name or as an any-bodied answer;
    // what the contract forbids is sent with app.rawRequest, whose body is `unknown`.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...["MemberExpression[property.name='untypedRequest']", "Property[key.name='untypedRequest']"]
          .concat(["TSPropertySignature[key.name='untypedRequest']", "TSMethodSignature[key.name='untypedRequest']"])
          .concat(["Identifier[name='UntypedTestResponse']"])
          .map((selector) => ({
            selector,
            message: 'Use app.client() (typed), or app.rawRequest() (unknown body) for what the contract forbids.',
          })),
      ],
    },
  },
  {
    // Module boundaries (README, "Architecture"): a module's repository is imported only by that
    // module; other modules ask its service or exported reader.
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    rules: {
      'boundaries/no-foreign-repository': 'error',
    },
  },
  {
    // One public surface per module: another module imports only its index.ts.
    files: ['src/modules/**/*.ts'],
    plugins: { boundaries },
    rules: { 'boundaries/public-surface': 'error' },
  },
  {
    // SQL only in repositories (and the migrations, which are .sql files), the database layer
    // itself (src/db) and the benches' reference runs (src/bench).
    files: ['src/**/*.ts'],
    ignores: ['src/modules/**/*.repository.ts', 'src/db/**', 'src/bench/**', 'src/generated/**'],
    plugins: { boundaries },
    rules: { 'boundaries/no-sql': 'error' },
  },
  {
    // Each table is written by its owner module's repository only (eslint/table-owners.js).
    files: ['src/modules/**/*.repository.ts'],
    plugins: { boundaries },
    rules: { 'boundaries/table-writes': 'error' },
  },
  {
    // … and read by its owner's repository only: another module asks the owner's service or readers.
    files: ['src/modules/**/*.repository.ts'],
    plugins: { boundaries },
    rules: { 'boundaries/table-reads': 'error' },
  },
  {
    // Pure cores: no I/O (files, network, database, HTTP, the bench) and no clock or ambient
    // randomness; time, storage and seeds are passed in. Types from the edges may be imported.
    files: ['src/modules/*/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'fs',
            'node:fs',
            'node:fs/promises',
            'http',
            'node:http',
            'node:https',
            'node:net',
            'node:child_process',
          ]
            .concat(['pg', 'axios', 'express', '@electric-sql/pglite'])
            .map((name) => ({ name, message: 'A core does no I/O: pass what it needs in.' })),
          patterns: [
            {
              group: ['**/http/*', '**/db/*', '**/bench/*', '**/*.repository', '**/*.service', '**/*.routes'],
              allowTypeImports: true,
              message: 'A core does no I/O: import pure code only (types from the edges are fine).',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'A core reads no clock: pass the time in.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'A core reads no clock: pass the time in.',
        },
        {
          selector: "CallExpression[callee.object.name='performance'][callee.property.name='now']",
          message: 'A core reads no clock: pass a timer in.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'A core takes a seeded generator, not Math.random.',
        },
      ],
    },
  },
  {
    files: ['src/web/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        console: 'readonly',
        URLSearchParams: 'readonly',
        Plot: 'readonly',
        setTimeout: 'readonly',
        Chart: 'readonly',
        URL: 'readonly',
        Blob: 'readonly',
      },
    },
  },
);
