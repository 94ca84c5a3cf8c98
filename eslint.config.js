// ESLint with typescript-eslint's type-aware rules over everything the root tsconfig compiles.
// Formatting is Prettier's job (eslint-config-prettier turns off the rules that would fight it).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // assembly/ is AssemblyScript (decorators on functions), built and checked by asc.
  { ignores: ['dist/', 'build/', 'node_modules/', 'assembly/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Unused names are tsc's job (noUnusedLocals/noUnusedParameters), with `_` for intended ones.
      '@typescript-eslint/no-unused-vars': 'off',
      // A floating promise is a lost error; `void p` says it is meant.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `let x; … closures that read x …; x = await make(…)` is how a callback refers to what it is registered on.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // An async implementation of a Promise-returning contract needs no await: `async` turns its throws into rejections.
      '@typescript-eslint/require-await': 'off',
      // A caught value is passed on as it is (first failure rethrown, rejection forwarded); wrapping it would change what callers see.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // Plain JS scripts and configs are not in the TypeScript project.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  prettier,
);
