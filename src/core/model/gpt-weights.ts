import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from './config';
import type { SeededRandom } from '../random';

/**
 * Parameter names and shapes in Hugging Face GPT-2's layout (no `transformer.` prefix, Conv1D
 * weights stored [in, out]), so the same names serve the model, safetensors export and import.
 */
export function gptParameterShapes(config: GptConfig): [name: string, shape: number[]][] {
  const d = config.nEmbd;
  const shapes: [string, number[]][] = [
    ['wte.weight', [config.vocabSize, d]],
    ['wpe.weight', [config.nPositions, d]],
  ];
  for (let i = 0; i < config.nLayer; i++) {
    const p = `h.${i}.`;
    shapes.push(
      [`${p}ln_1.weight`, [d]],
      [`${p}ln_1.bias`, [d]],
      [`${p}attn.c_attn.weight`, [d, 3 * d]],
      [`${p}attn.c_attn.bias`, [3 * d]],
      [`${p}attn.c_proj.weight`, [d, d]],
      [`${p}attn.c_proj.bias`, [d]],
      [`${p}ln_2.weight`, [d]],
      [`${p}ln_2.bias`, [d]],
      [`${p}mlp.c_fc.weight`, [d, 4 * d]],
      [`${p}mlp.c_fc.bias`, [4 * d]],
      [`${p}mlp.c_proj.weight`, [4 * d, d]],
      [`${p}mlp.c_proj.bias`, [d]],
    );
  }
  shapes.push(['ln_f.weight', [d]], ['ln_f.bias', [d]]);
  return shapes;
}

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export type HostWeights = Map<string, HostTensor>;

/**
 * GPT-2's initialisation: N(0, 0.02) matrices, residual projections scaled by
 * 1/sqrt(2·nLayer), zero biases, unit LayerNorm gains. Drawn on the host from `rng` so a
 * seed gives the same model on every backend.
 */
export function initGptWeights(config: GptConfig, rng: SeededRandom): HostWeights {
  const weights: HostWeights = new Map();
  const residualStd = 0.02 / Math.sqrt(2 * config.nLayer);
  for (const [name, shape] of gptParameterShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.endsWith('.bias')) {
      // zeros
    } else if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) {
      data.fill(1);
    } else {
      const std = name.endsWith('c_proj.weight') ? residualStd : 0.02;
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    }
    weights.set(name, { shape, data });
  }
  return weights;
}

/** Host weights as device tensors with the same names (the caller disposes them). */
export function uploadWeights(weights: HostWeights): Record<string, tf.Tensor> {
  return tf.tidy(() => Object.fromEntries([...weights].map(([name, { shape, data }]) => [name, tf.keep(tf.tensor(data, shape))])));
}
