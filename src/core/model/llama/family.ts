import type { CausalLmFamily } from '../causal-lm';
import type { LlamaConfig } from './config';
import { LlamaDecoder } from './decoder';
import { llamaForward } from './forward';
import { initLlamaWeights, llamaParameterShapes } from './weights';

const ATTENTION_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const;
const MLP_TARGETS = ['gate_proj', 'up_proj', 'down_proj'] as const;

/** llama, qwen2, qwen3: RMSNorm, RoPE, grouped K/V, SwiGLU; nn.Linear projections. */
export const LLAMA_FAMILY: CausalLmFamily<LlamaConfig> = {
  name: 'llama',
  projectionLayout: 'out_in',
  loraTargets: [...ATTENTION_TARGETS, ...MLP_TARGETS],
  // TRL's and PEFT's examples for these models start from the attention projections.
  defaultLoraTargets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
  peftPrefix: 'base_model.model.',
  projectionPattern: /^model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)$/,
  parameterShapes: llamaParameterShapes,
  initWeights: initLlamaWeights,
  forward: llamaForward,
  decoder: (weights, config, rows, capacity) => new LlamaDecoder(weights, config, rows, capacity),
  projections(c) {
    const d = c.nEmbd;
    const q = c.nHead * c.headDim;
    const kv = c.nKvHead * c.headDim;
    const sizes: Record<string, [number, number]> = {
      q_proj: [d, q],
      k_proj: [d, kv],
      v_proj: [d, kv],
      o_proj: [q, d],
      gate_proj: [d, c.intermediateSize],
      up_proj: [d, c.intermediateSize],
      down_proj: [c.intermediateSize, d],
    };
    return Array.from({ length: c.nLayer }, (_, i) =>
      [...ATTENTION_TARGETS.map((t) => [`self_attn.${t}`, t]), ...MLP_TARGETS.map((t) => [`mlp.${t}`, t])].map(([suffix, target]) => ({
        module: `model.layers.${i}.${suffix}`,
        target,
        inFeatures: sizes[target][0],
        outFeatures: sizes[target][1],
      })),
    ).flat();
  },
  activationFloatsPerLayer(c) {
    // Per token: two RMSNorms (~5d each), q/k/v (q + 2kv) with their head reshapes and RoPE's
    // split, negate, concat and three products on q and k (~7 each), context and o_proj (q + d),
    // residuals (2d), gate, up, silu's sigmoid and two products, down (5I + d); TF.js's op graph
    // keeps more (reshapes and transposes that copy, broadcasts): tf.profile on the cpu backend
    // measures ~1.6× this at SmolLM2's widths (107 MB a layer at 2 × 128 tokens).
    const q = c.nHead * c.headDim;
    const kv = c.nKvHead * c.headDim;
    const forward = 10 * c.nEmbd + (q + 2 * kv) * 2 + 7 * (q + kv) + q + c.nEmbd + 2 * c.nEmbd + 5 * c.intermediateSize + c.nEmbd;
    return Math.ceil(forward * 1.62);
  },
  mlpWidth: (c) => c.intermediateSize,
};
