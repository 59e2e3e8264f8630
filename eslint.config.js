// Lint, not formatting: rules that catch real mistakes (unused code, unsafe patterns, typos in
// comparisons). Syntax-only typescript-eslint rules (no type information), so it runs in seconds.
// `npm run lint`; scripts/test.sh runs it after the typecheck.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'bench/results/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module'
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Unused variables, parameters and imports are errors; a leading `_` marks one kept on purpose,
      // and a rest sibling (`const { a, ...rest } = o`) may drop what it omits.
      '@typescript-eslint/no-unused-vars': ['error', {
        args: 'after-used',
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrors: 'none',
        ignoreRestSiblings: true
      }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-self-compare': 'error',
      'no-template-curly-in-string': 'error',
      'no-unmodified-loop-condition': 'error',
      'no-unreachable-loop': 'error',
      'no-constructor-return': 'error',
      'no-useless-assignment': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-var': 'error',
      // `try { ... } catch {}` is how best-effort cleanup is written here; other empty blocks are not.
      'no-empty': ['error', { allowEmptyCatch: true }]
    }
  },
  {
    // Matches the control characters JSON must escape, on purpose.
    files: ['src/serialization/json.ts'],
    rules: { 'no-control-regex': 'off' }
  }
)
