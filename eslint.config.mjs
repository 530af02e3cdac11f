import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build/**', '.cache/**'] },
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
    // Plugins see only the plugin API: never core internals, the container or wire libraries.
    files: ['plugins/**/*.ts'],
    ignores: ['plugins/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['inversify', 'avsc', 'kafkajs', 'better-sqlite3'], message: 'plugins depend only on the plugin API (core/plugin-api)' },
          { regex: '^\\.\\./\\.\\./core/(?!plugin-api)', message: 'plugins import only core/plugin-api' },
        ],
      }],
    },
  },
  {
    // A folder's module.ts registers what the folder provides: it may also see the binding tokens.
    files: ['plugins/*/module.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['avsc', 'kafkajs', 'better-sqlite3'], message: 'plugins depend only on the plugin API (core/plugin-api)' },
          { regex: '^\\.\\./\\.\\./core/(?!plugin-api|bindings)', message: 'a plugin module.ts imports only core/plugin-api and core/bindings' },
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
