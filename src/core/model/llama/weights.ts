import type { HostWeights } from '../gpt-weights';
import type { SeededRandom } from '../../random';
import type { LlamaConfig } from './config';

/**
 * Parameter names and shapes exactly as Hugging Face stores them for LlamaForCausalLM,
 * Qwen2ForCausalLM and Qwen3ForCausalLM (nn.Linear weights [out, in]), so the same names
 * serve the model, safetensors import and export, and PEFT's adapter names.
 */
export function llamaParameterShapes(c: LlamaConfig): [name: string, shape: number[]][] {
  const d = c.nEmbd;
  const q = c.nHead * c.headDim;
  const kv = c.nKvHead * c.headDim;
  const shapes: [string, number[]][] = [['model.embed_tokens.weight', [c.vocabSize, d]]];
  const linear = (name: string, out: number, inFeatures: number, bias: boolean) => {
    shapes.push([`${name}.weight`, [out, inFeatures]]);
    if (bias) shapes.push([`${name}.bias`, [out]]);
  };
  for (let i = 0; i < c.nLayer; i++) {
    const p = `model.layers.${i}.`;
    shapes.push([`${p}input_layernorm.weight`, [d]]);
    linear(`${p}self_attn.q_proj`, q, d, c.qkvBias);
    linear(`${p}self_attn.k_proj`, kv, d, c.qkvBias);
    linear(`${p}self_attn.v_proj`, kv, d, c.qkvBias);
    linear(`${p}self_attn.o_proj`, d, q, c.outputBias);
    if (c.qkNorm) shapes.push([`${p}self_attn.q_norm.weight`, [c.headDim]], [`${p}self_attn.k_norm.weight`, [c.headDim]]);
    shapes.push([`${p}post_attention_layernorm.weight`, [d]]);
    linear(`${p}mlp.gate_proj`, c.intermediateSize, d, c.mlpBias);
    linear(`${p}mlp.up_proj`, c.intermediateSize, d, c.mlpBias);
    linear(`${p}mlp.down_proj`, d, c.intermediateSize, c.mlpBias);
  }
  shapes.push(['model.norm.weight', [d]]);
  if (!c.tieWordEmbeddings) shapes.push(['lm_head.weight', [c.vocabSize, d]]);
  return shapes;
}

/** transformers' init for these models: N(0, 0.02) matrices, zero biases, unit norm gains. */
export function initLlamaWeights(c: LlamaConfig, rng: SeededRandom): HostWeights {
  const weights: HostWeights = new Map();
  for (const [name, shape] of llamaParameterShapes(c)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.endsWith('norm.weight')) data.fill(1);
    else if (!name.endsWith('.bias')) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.02;
    weights.set(name, { shape, data });
  }
  return weights;
}
