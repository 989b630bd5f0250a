// @ts-check
import js from '@eslint/js';
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
    // Libraries stay framework-free so the CLI and other services can use them without NestJS.
    files: [
      'libs/policy/**/*.ts',
      'libs/config/**/*.ts',
      'libs/db/**/*.ts',
      'libs/ceph/**/*.ts',
      'libs/volume-upload/**/*.ts',
      'libs/stores/**/*.ts',
      'libs/keystone/**/*.ts',
      'libs/image-format/**/*.ts',
      'libs/testing/**/*.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@nestjs/*'] }] },
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
