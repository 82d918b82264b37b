// Lint: typescript-eslint's recommended rules on every TypeScript file; formatting is Prettier's
// job (.prettierrc.json), so no stylistic rules here beyond the line length both agree on.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'generated/**', 'results/**', 'claims/source/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'max-len': [
        'error',
        {
          code: 130,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreUrls: true,
          ignoreComments: false,
          ignoreRegExpLiterals: true,
        },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
);
