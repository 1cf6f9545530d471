// The page's entry chunk must not carry TensorFlow.js: training runs in the worker, whose
// chunk is separate. So the page's layers (ui, state, client) and the core modules they use
// may import, as values, only the core modules listed here, and never @tensorflow/*. Type
// imports are erased at build time and stay free. tools/page-bundle.test.ts bundles the page
// and checks the same list from the other side.
import { dirname, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');

/** Core modules without TensorFlow.js, imported or importable by the page (paths from the repo root, no extension). */
export const TF_FREE_CORE = [
  'src/core/format-bytes',
  'src/core/io/hf-file-names',
  'src/core/io/hf-llama',
  'src/core/io/sniff-file',
  'src/core/model/config',
  'src/core/model/llama/config',
  'src/core/model/llama/weights',
  'src/core/model/suggested-models',
  'src/core/random',
  'src/core/sentiment/corpus',
  'src/core/sentiment/demo-model',
  'src/core/sentiment/sentiment-settings',
  'src/core/tokenizer/byte-tokenizer',
  'src/core/train/metric-names',
  'src/core/train/settings',
  'src/core/version',
  'src/core/yield-to-event-loop',
];

/** The files this rule applies to: the page's layers and the TF-free core modules themselves. */
export const TF_FREE_FILES = ['src/ui/**/*.{ts,tsx}', 'src/state/**/*.ts', 'src/client/**/*.ts', ...TF_FREE_CORE.map((m) => `${m}.ts`)];

const allowed = new Set(TF_FREE_CORE);
const isTypeOnly = (node) =>
  node.importKind === 'type' ||
  node.exportKind === 'type' ||
  (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));

const rule = {
  meta: { type: 'problem', schema: [], messages: { tf: '{{what}}: the page must stay free of TensorFlow.js ({{why}}).' } },
  create(context) {
    const file = context.filename ?? context.getFilename();
    // Tests run in Node and may use anything.
    if (/\.test\.tsx?$/.test(file)) return {};
    const check = (node) => {
      if (!node.source || isTypeOnly(node)) return;
      const spec = String(node.source.value);
      if (spec.startsWith('@tensorflow/')) {
        context.report({ node, messageId: 'tf', data: { what: spec, why: 'import it in worker/ or core/ only' } });
        return;
      }
      if (!spec.startsWith('.')) return;
      const target = relative(ROOT, resolve(dirname(file), spec)).replace(/\.tsx?$/, '');
      if (target.startsWith('src/worker/'))
        context.report({ node, messageId: 'tf', data: { what: spec, why: 'the worker is reached through client/ and protocol/, never imported' } });
      else if (target.startsWith('src/core/') && !allowed.has(target))
        context.report({
          node,
          messageId: 'tf',
          data: { what: spec, why: 'not a TF-free core module; move what the page needs into one and list it in tools/lint/tf-free-imports.js' },
        });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export const tfFreePlugin = { rules: { 'tf-free-imports': rule } };
