import type { CausalLmFamily } from './causal-lm';
import type { GptConfig } from './config';
import { gptForward } from './gpt';
import { gptParameterShapes, initGptWeights } from './gpt-weights';
import { KvCacheDecoder } from './kv-cache-decoder';

/**
 * Floats kept per token per layer for the backward pass, in units of d. gpt.ts's ops alone
 * give ~68 (two LayerNorms 4d each, qkv with its split and head transposes 12d, context and
 * c_proj 4d, residuals 2d, c_fc 8d, gelu_new's eight elementwise ops on 4d 32d, MLP c_proj
 * 2d); TF.js's op graph keeps more (moments, broadcasts, reshapes that copy): tf.profile
 * on the cpu backend measures ~91d.
 */
const LAYER_FLOATS_PER_D = 92;

/** GPT-2 (and the built-in model): Conv1D projections, learned positions, tied head. */
export const GPT2_FAMILY: CausalLmFamily<GptConfig> = {
  name: 'gpt2',
  projectionLayout: 'in_out',
  // 'c_proj' is both attn.c_proj and mlp.c_proj, as PEFT's suffix matching of target_modules does.
  loraTargets: ['c_attn', 'c_proj', 'c_fc'],
  defaultLoraTargets: ['c_attn'],
  peftPrefix: 'base_model.model.transformer.',
  projectionPattern: /^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)$/,
  parameterShapes: gptParameterShapes,
  initWeights: initGptWeights,
  forward: gptForward,
  decoder: (weights, config, rows, capacity) => new KvCacheDecoder(weights, config, rows, capacity),
  projections(config) {
    const d = config.nEmbd;
    const all: [suffix: string, target: string, inFeatures: number, outFeatures: number][] = [
      ['attn.c_attn', 'c_attn', d, 3 * d],
      ['attn.c_proj', 'c_proj', d, d],
      ['mlp.c_fc', 'c_fc', d, 4 * d],
      ['mlp.c_proj', 'c_proj', 4 * d, d],
    ];
    return Array.from({ length: config.nLayer }, (_, i) =>
      all.map(([suffix, target, inFeatures, outFeatures]) => ({ module: `h.${i}.${suffix}`, target, inFeatures, outFeatures })),
    ).flat();
  },
  activationFloatsPerLayer: (config) => LAYER_FLOATS_PER_D * config.nEmbd,
  mlpWidth: (config) => 4 * config.nEmbd,
};
