import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.lsl/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Import activities only as types (import type).' }],
      }],
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'Node built-ins are not allowed in workflows.' },
          { group: ['fs', 'fs/*', 'path', 'os', 'child_process', 'http', 'https', 'net', 'crypto', 'worker_threads', 'stream', 'url', 'util', 'zlib', 'dns', 'events', 'process', 'timers', 'readline', 'cluster', 'tls', 'dgram', 'v8', 'vm'], message: 'Node built-ins are not allowed in workflows.' },
        ],
      }],
    },
  },
);
