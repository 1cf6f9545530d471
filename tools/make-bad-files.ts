// `npm run make:bad-files`: the committed corpus of broken and hostile files in
// src/core/testing/bad-files/, each read by bad-files.test.ts, which states the message
// a user must get for it. Small files only; the huge cases are built in the test itself.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeGpt2Safetensors } from '../src/core/io/hf-gpt2';
import { initGptWeights } from '../src/core/model/gpt-weights';
import { SeededRandom } from '../src/core/random';
import { MICRO_CONFIG } from '../src/core/testing/tiny-model';

const dir = 'src/core/testing/bad-files';
mkdirSync(dir, { recursive: true });
const write = (name: string, bytes: Uint8Array | string) => writeFileSync(join(dir, name), bytes);

/** A safetensors file from a header object and data bytes, with the header length as given. */
function safetensors(header: object, data: Uint8Array, headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const four = new Uint8Array(16);
write('exabyte-header.safetensors', safetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, four, 2n ** 62n));
write('header-beyond-file.safetensors', safetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, four, 5000n));
write(
  'overlapping-offsets.safetensors',
  safetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, four),
);
write('offset-out-of-range.safetensors', safetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 4096] } }, four));
write('unknown-dtype.safetensors', safetensors({ a: { dtype: 'Q4', shape: [4], data_offsets: [0, 16] } }, four));
write('shape-disagrees.safetensors', safetensors({ a: { dtype: 'F32', shape: [5], data_offsets: [0, 16] } }, four));
write(
  'header-not-json.safetensors',
  (() => {
    const bytes = safetensors({ a: 1 }, new Uint8Array(0));
    bytes.fill(0x7b, 8);
    return bytes;
  })(),
);
const model = writeGpt2Safetensors(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(1)));
write('truncated-model.safetensors', model.subarray(0, Math.floor(model.length * 0.7)));
const nanWeights = initGptWeights(MICRO_CONFIG, new SeededRandom(1));
nanWeights.get('h.0.mlp.c_fc.weight')!.data[3] = NaN;
write('nan-weights.safetensors', writeGpt2Safetensors(MICRO_CONFIG, nanWeights));
write('deeply-nested.json', '['.repeat(100_000) + ']'.repeat(100_000));
write(
  'deeply-nested-row.jsonl',
  `{"prompt": ${'['.repeat(50_000)}${']'.repeat(50_000)}, "chosen": "a", "rejected": "b"}\n{"prompt": "ok", "chosen": "a", "rejected": "b"}\n`,
);
write(
  'invalid-utf8.jsonl',
  new Uint8Array([
    ...new TextEncoder().encode('{"prompt": "caf'),
    0xc3,
    0x28,
    ...new TextEncoder().encode('", "chosen": "a", "rejected": "b"}\n'),
  ]),
);
write(
  'binary-garbage.jsonl',
  Uint8Array.from({ length: 512 }, (_, i) => (i * 151 + 7) % 256),
);
write('unbalanced-quotes.csv', 'prompt,chosen,rejected\n"q1,"a","b"\nq2,a,b\n');
process.stdout.write(`wrote the bad-file corpus to ${dir}\n`);
