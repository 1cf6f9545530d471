import { describe, expect, it } from 'vitest';
import { parseModelConfigJson } from '../io/hf-model';
import { countParameters } from './causal-lm';
import { downloadBytes, formatParameterCount, SUGGESTED_MODELS } from './suggested-models';

/**
 * The published totals. `parameters`: transformers' num_parameters() (tied head once), which
 * for the tied SmolLM2 and Qwen2.5 files is also the Hub's safetensors total; `stored`: the
 * Hub's safetensors total, which for Qwen3-0.6B counts the lm_head.weight its file keeps
 * beside the tied embedding. The model cards round them: 135M, 360M, 0.49B (0.36B
 * non-embedding), 0.6B (0.44B non-embedding).
 */
const PUBLISHED: Record<string, { parameters: number; stored: number; nonEmbedding?: number }> = {
  'HuggingFaceTB/SmolLM2-135M-Instruct': { parameters: 134_515_008, stored: 134_515_008 },
  'HuggingFaceTB/SmolLM2-360M-Instruct': { parameters: 361_821_120, stored: 361_821_120 },
  'Qwen/Qwen2.5-0.5B-Instruct': { parameters: 494_032_768, stored: 494_032_768, nonEmbedding: 0.36e9 },
  'Qwen/Qwen3-0.6B': { parameters: 596_049_920, stored: 751_632_384, nonEmbedding: 0.44e9 },
};

describe('suggested models', () => {
  it('are the four of issue #15, smallest first', () => {
    expect(SUGGESTED_MODELS.map((m) => m.repo)).toEqual(Object.keys(PUBLISHED));
    const sizes = SUGGESTED_MODELS.map((m) => m.parameters);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
  });

  it.each(SUGGESTED_MODELS.map((m) => [m.repo, m] as const))('%s: parameter counts equal the published totals', (repo, model) => {
    const published = PUBLISHED[repo];
    expect(model.parameters).toBe(published.parameters);
    expect(model.storedParameters).toBe(published.stored);
    // The TF-free count agrees with the one the trainer and the memory estimate use.
    expect(countParameters(model.config)).toBe(model.parameters);
    if (published.nonEmbedding) {
      const embedding = model.config.vocabSize * model.config.nEmbd;
      expect((model.parameters - embedding) / 1e9).toBeCloseTo(published.nonEmbedding / 1e9, 2);
    }
    expect(downloadBytes(model)).toBe(2 * published.stored);
  });

  it.each(SUGGESTED_MODELS.map((m) => [m.repo, m] as const))('%s: the loader accepts its config.json and reads the same shape', (_repo, model) => {
    expect(parseModelConfigJson(model.configJson)).toEqual(model.config);
    expect(model.config.tieWordEmbeddings).toBe(true);
  });

  it('reads the shapes that differ between the families: GQA, Qwen2 biases, Qwen3 head_dim and q/k norms', () => {
    const [smol135, smol360, qwen25, qwen3] = SUGGESTED_MODELS.map((m) => m.config);
    expect(smol135).toMatchObject({ modelType: 'llama', nEmbd: 576, nLayer: 30, nHead: 9, nKvHead: 3, headDim: 64, qkvBias: false });
    expect(smol360).toMatchObject({ nEmbd: 960, nLayer: 32, nHead: 15, nKvHead: 5, intermediateSize: 2560 });
    expect(qwen25).toMatchObject({ modelType: 'qwen2', nHead: 14, nKvHead: 2, headDim: 64, qkvBias: true, outputBias: false, qkNorm: false });
    // Qwen3-0.6B's heads are wider than hidden_size / heads (128, not 64).
    expect(qwen3).toMatchObject({ modelType: 'qwen3', nEmbd: 1024, nHead: 16, nKvHead: 8, headDim: 128, qkNorm: true, qkvBias: false });
  });

  it('rounds parameter counts as the model cards do', () => {
    expect(SUGGESTED_MODELS.map((m) => formatParameterCount(m.parameters))).toEqual(['135M', '362M', '0.5B', '0.6B']);
    expect(formatParameterCount(840_000)).toBe('0.84M');
    expect(formatParameterCount(124_439_808)).toBe('124M');
    expect(formatParameterCount(1_235_814_400)).toBe('1.2B');
  });
});
