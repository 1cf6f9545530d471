import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { TF_FREE_FILES, tfFreePlugin } from './tools/lint/tf-free-imports.js';

// core/ is the product and must run in Node, workers and pages alike: no browser globals,
// no UI or state libraries, no backend packages (its callers choose the backend).
const coreRestrictedGlobals = ['window', 'document', 'self', 'postMessage', 'navigator', 'localStorage', 'location', 'fetch'].map(
  (name) => ({ name, message: 'core/ must not touch browser globals; pass what it needs in.' }),
);

export default tseslint.config(
  { ignores: ['dist', 'dist-cli', 'tmp', 'node_modules', 'test-results', 'playwright-report', 'public'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
  {
    files: ['src/ui/**/*.tsx', 'src/ui/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['src/core/**/*.ts'],
    languageOptions: { globals: { ...globals.es2022 } },
    rules: {
      'no-restricted-globals': ['error', ...coreRestrictedGlobals],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-dom', 'zustand', 'zustand/*'], message: 'core/ is UI-free.' },
            { group: ['@tensorflow/tfjs-backend-*'], message: 'core/ never picks a backend: the worker, CLI and tests do.' },
            { group: ['**/ui/**', '**/state/**', '**/worker/**', '**/client/**'], message: 'core/ depends on nothing above it.' },
          ],
        },
      ],
    },
  },
  {
    // One training run drives the trainer (core/train/training-run.ts); benchmarks and tests may step it directly.
    files: ['src/**/*.ts', 'tools/**/*.ts'],
    ignores: ['src/core/train/training-run.ts', 'src/core/bench/**', 'src/core/testing/**', '**/*.test.ts', 'tools/bench*.ts', 'tools/gpu/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='trainStep']",
          message: 'Step the trainer through runTraining (core/train/training-run.ts) with your own sinks.',
        },
      ],
    },
  },
  {
    // The page's entry chunk carries no TensorFlow.js: its layers import only TF-free core modules.
    files: TF_FREE_FILES,
    plugins: { 'tf-free': tfFreePlugin },
    rules: { 'tf-free/tf-free-imports': 'error' },
  },
);
