import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readSafetensors, SafetensorsError } from '../io/safetensors';
import { parseGpt2ConfigJson, writeGpt2Safetensors } from '../io/hf-gpt2';
import { loadModelFile } from '../io/run-bundle';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from './tiny-model';
import { readPreferenceDataset } from '../data/read-dataset';
import { UnreadableFileError } from '../data/read-table';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint-file';

// Property-based: whatever the bytes, readers either succeed or throw their own error with a
// message — never a TypeError/RangeError from deep inside, never a hang.
const RUNS = { numRuns: 300 };
const model = writeGpt2Safetensors(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(1)));

/** A valid file with some bytes overwritten, a cut, or a forged header length. */
const damaged = (valid: Uint8Array) =>
  fc.oneof(
    fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
      const copy = valid.slice();
      for (const [at, value] of edits) copy[at] = value;
      return copy;
    }),
    fc.nat(valid.length - 1).map((cut) => valid.slice(0, cut)),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((length) => {
      const copy = valid.slice();
      new DataView(copy.buffer).setBigUint64(0, length, true);
      return copy;
    }),
    fc.uint8Array({ maxLength: 256 }),
  );

function expectOnly(run: () => unknown, ...allowed: (new (...args: never[]) => Error)[]) {
  try {
    run();
  } catch (error) {
    if (!allowed.some((kind) => error instanceof kind)) throw error;
    expect((error as Error).message.length).toBeGreaterThan(10);
  }
}

describe('fuzzed readers fail only with their own clear errors', () => {
  it('safetensors', () => {
    fc.assert(
      fc.property(damaged(model), (bytes) => expectOnly(() => readSafetensors(bytes), SafetensorsError)),
      RUNS,
    );
  });

  it('model files (zip or safetensors, config checked against every tensor)', () => {
    fc.assert(
      fc.property(damaged(model), (bytes) => {
        try {
          loadModelFile('model.safetensors', bytes);
        } catch (error) {
          expect(error).not.toBeInstanceOf(TypeError);
          expect(error).not.toBeInstanceOf(RangeError);
          expect((error as Error).message).toMatch(/safetensors|config|zip|tensor|model/i);
        }
      }),
      RUNS,
    );
  });

  it('config.json of any JSON shape', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        try {
          parseGpt2ConfigJson(json);
        } catch (error) {
          expect((error as Error).message).toMatch(/^(config\.json|model config): /);
        }
      }),
      RUNS,
    );
  });

  it('checkpoints', () => {
    const trainerLike = {
      step: 1,
      policy: initGptWeights(MICRO_CONFIG, new SeededRandom(2)),
      reference: null,
      optimizer: { steps: 1, m: new Map(), v: new Map() },
      data: { order: [1, 0], cursor: 1, rng: 5 },
    };
    const valid = encodeCheckpoint(trainerLike, { run: 'fuzz' });
    fc.assert(
      fc.property(damaged(valid), (bytes) => expectOnly(() => decodeCheckpoint(bytes), CheckpointError)),
      RUNS,
    );
  });

  it.each(['x.jsonl', 'x.json', 'x.csv', 'x.tsv', 'x.parquet'])('datasets named %s, from arbitrary text and bytes', async (name) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }).map((s) => new TextEncoder().encode(s)),
          fc.uint8Array({ maxLength: 300 }),
        ),
        async (bytes) => {
          try {
            const read = await readPreferenceDataset(name, bytes);
            for (const problem of read.invalid) expect(problem.message.length).toBeGreaterThan(3);
          } catch (error) {
            if (!(error instanceof UnreadableFileError)) throw error;
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
