// Lint of the TypeScript sources: typescript-eslint's recommended rules with type information.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'imports/**', 'lib/**', 'node_modules/**', '.crds/**', 'crd-schemas/**', 'test/corpus/**', '**/*.mjs', '**/*.cjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Modules loaded when needed: ajv only when a validator must be compiled (and its version, which
    // names the validator cache), the configuration and platform modules by path at run time (so a
    // mistake in them is one line, not a stack trace).
    files: ['src/checks/schema.ts', 'src/checks/schema-cache.ts', 'src/cli/platform-module.ts', 'charts/load.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
