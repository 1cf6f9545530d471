import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { IM_END, writeTinyQwen3 } from '../../../e2e/fixtures/tiny-qwen3';
import { loadHfModel } from '../io/hf-model';
import { SeededRandom } from '../random';
import { samplingPromptText } from '../train/samples';
import { uploadWeights } from './gpt-weights';
import { sampleCompletions } from './sampling';

/**
 * The e2e test's tiny Qwen3 (real tokenizer and chat template; weights that make <|im_end|>
 * about a third of the mass at every position): chat prompts are rendered with the template
 * and sampling stops at the model's stop tokens, with the KV cache sized to the call.
 */
const dir = mkdtempSync(join(tmpdir(), 'chat-sampling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = new Map(writeTinyQwen3(dir).map((path) => [basename(path), new Uint8Array(readFileSync(path))]));
const model = loadHfModel(files, 'tiny-qwen3');
const tok = model.tokenizer;

describe('chat sampling on a Qwen3-layout model', () => {
  it('renders a typed prompt as a user turn with the generation prompt', () => {
    expect(samplingPromptText('Hi there', tok)).toBe('<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n');
    expect(tok.stopIds).toEqual([IM_END, 151643]);
  });

  it("samples a dataset row's conversation from where training's completions start", () => {
    const user = { role: 'user', content: 'Name a primary colour.' };
    const pair = {
      prompt: 'plain',
      chosen: 'Red.',
      rejected: 'Purple.',
      conversation: { prompt: [user], chosen: [{ role: 'assistant', content: 'Red.' }], rejected: [{ role: 'assistant', content: 'Purple.' }] },
    };
    expect(samplingPromptText(pair, tok)).toBe('<|im_start|>user\nName a primary colour.<|im_end|>\n<|im_start|>assistant\n');
  });

  it('ends every completion at a stop token, well before the limit', async () => {
    const ids = tok.encode(samplingPromptText('Hi there', tok));
    const weights = uploadWeights(model.weights);
    const options = { maxNewTokens: 40, temperature: 1, topK: 0, topP: 1 };
    const rows = Array.from({ length: 8 }, () => ids);
    const kept = await sampleCompletions(weights, model.config, rows, options, new SeededRandom(3), true, tok);
    const plain = await sampleCompletions(weights, model.config, rows, options, new SeededRandom(3), false, tok);
    tf.dispose(Object.values(weights));
    for (const [i, completion] of kept.entries()) {
      expect(tok.stopIds, `row ${i}`).toContain(completion.at(-1));
      expect(completion.length).toBeLessThan(options.maxNewTokens);
      expect(plain[i]).toEqual(completion.slice(0, -1)); // without keepEos the stop token is dropped, nothing else
    }
    expect(new Set(kept.map((c) => c.length)).size).toBeGreaterThan(1); // sampled, not a fixed stop
  });
});
