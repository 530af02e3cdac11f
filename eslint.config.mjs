import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build/**', 'native/build-abi*/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // Plugins see only the plugin API: never core internals, the container, wire libraries,
    // connectors or the native addon.
    files: ['plugins/**/*.ts'],
    ignores: ['plugins/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['inversify', 'avsc', 'kafkajs', 'better-sqlite3'], message: 'plugins depend only on the plugin API (core/plugin-api)' },
          { regex: '^(\\.\\./)+core/(?!plugin-api$)', message: 'plugins import only core/plugin-api' },
          { regex: '^(\\.\\./)+(connectors|native|fleet)/', message: 'plugins import only core/plugin-api' },
        ],
      }],
    },
  },
  // core never names a connector or a plugin: it receives them. Only the composition root
  // (core/container.ts and the CLI in core/cli/, which builds a program) imports those folders.
  // Relative imports are matched per folder depth, because core has a plugins/ folder of its own.
  ...[1, 2, 3, 4].map((depth) => ({
    files: [`core/${'*/'.repeat(depth - 1)}*.ts`],
    ignores: ['core/container.ts', 'core/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: `^(\\.\\./){${depth}}(connectors|plugins)/`, message: 'core imports neither connectors/ nor plugins/ outside the composition root (core/container.ts, core/cli/)' },
        ],
      }],
    },
  })),
  {
    // The native wrapper depends on core only for the leaf types it hands over and the error type.
    files: ['native/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^\\.\\./core/(?!errors$|model/raw-record$)', message: 'native/ imports only core/errors and core/model/raw-record' },
          { regex: '^\\.\\./(connectors|plugins|fleet)/', message: 'native/ imports only core/errors and core/model/raw-record' },
        ],
      }],
    },
  },
  {
    // A folder's module.ts registers what the folder provides (and plugins/index.ts lists those
    // modules): they may also see the binding tokens.
    files: ['plugins/*/module.ts', 'plugins/index.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['avsc', 'kafkajs', 'better-sqlite3'], message: 'plugins depend only on the plugin API (core/plugin-api)' },
          { regex: '^(\\.\\./)+core/(?!plugin-api$|bindings$)', message: 'a plugin module.ts imports only core/plugin-api and core/bindings' },
          { regex: '^(\\.\\./)+(connectors|native|fleet)/', message: 'a plugin module.ts imports only core/plugin-api and core/bindings' },
        ],
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
