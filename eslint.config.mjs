// @ts-check
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    // The import rules of docs/architecture.md, from the tags in each project's package.json:
    // apps use libs and never each other; libs never use apps; framework-free libs never load NestJS;
    // the test helpers (type:testing) are for specs only (next block).
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          // The CLI's end-to-end specs run the real API through its test entry point.
          allow: ['@glance-ts/api/testing'],
          enforceBuildableLibDependency: false,
          // The CLI loads these on first use (`glance help` never needs them) and the commands that
          // always use them import them statically: both are intended.
          checkDynamicDependenciesExceptions: [
            '@glance-ts/image-client',
            '@glance-ts/keystone',
            '@glance-ts/volume-upload',
          ],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'scope:framework-free', bannedExternalImports: ['@nestjs/*', 'fastify'] },
          ],
        },
      ],
    },
  },
  {
    // Production code never loads the test helpers (Docker, Keystone, PostgreSQL starters).
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/test/**', 'libs/testing/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@glance-ts/testing', '**/testing/**'] }] },
  },
  {
    // The CLI ships without NestJS: it takes only types from the contracts library.
    files: ['apps/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@glance-ts/contracts', '@nestjs/*'], allowTypeImports: true }] },
      ],
    },
  },
  {
    files: ['apps/api/**/*.ts'],
    // NestJS resolves constructor parameters from emitted metadata: those imports must stay values.
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
