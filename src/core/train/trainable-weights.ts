import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/causal-lm';
import type { ForwardOptions, NamedWeights } from '../model/forward-options';
import type { HostWeights } from '../model/gpt-weights';
import { packedOpsPath } from '../ops/packed-linear';
import { readWeightHost, uploadFrozenWeights } from '../ops/packed-weights';
import { familyOf } from '../model/causal-lm';
import { disposeMergedWeights, initLoraWeights, loraScale, mergedDeviceWeights, mergeLoraWeights, type LoraConfig } from '../model/lora';
import { SeededRandom } from '../random';

/**
 * The weights a run trains. Full fine-tuning: every model weight is a variable. LoRA: the
 * model's weights are frozen tensors (`base`, which is also the reference: no second copy)
 * and only the adapters are variables.
 */
export class TrainableWeights {
  /** What the optimizer updates: every weight, or only the LoRA adapters. */
  readonly variables: Record<string, tf.Variable> = {};
  /** LoRA's frozen base; null for full fine-tuning. */
  readonly base: NamedWeights | null;

  /**
   * @param adapters a LoRA run's adapters to continue from (a resumed run); otherwise drawn from `seed`
   */
  private readonly layout: 'in_out' | 'out_in';

  constructor(
    config: ModelConfig,
    initial: HostWeights,
    private readonly lora: LoraConfig | null,
    seed: number,
    adapters?: HostWeights,
  ) {
    this.layout = familyOf(config).projectionLayout;
    // A BF16/F16 base is packed two values to a word where the backend has the packed kernels.
    this.base = lora ? uploadFrozenWeights(initial, { pack: packedOpsPath() === 'fused', layout: this.layout }) : null;
    const trainable = lora ? (adapters ?? initLoraWeights(config, lora, new SeededRandom(seed))) : initial;
    // tidy frees each temporary tensor; the variables outlive it.
    for (const [name, { shape, data }] of trainable) this.variables[name] = tf.tidy(() => tf.variable(tf.tensor(data, shape), true));
  }

  /** What the policy's forward pass reads: all weights, or the frozen base plus the adapters. */
  get forward(): NamedWeights {
    return this.base ? { ...this.base, ...this.variables } : this.variables;
  }

  /** LoRA's scale and dropout for a training forward; `seed` varies the dropout masks per step. */
  trainingOptions(seed: number): ForwardOptions | undefined {
    return this.lora ? { lora: { scale: loraScale(this.lora), dropout: this.lora.dropout, seed } } : undefined;
  }

  /** Inference forward (eval, inspection): LoRA's adapters on, dropout off. */
  inferenceOptions(): ForwardOptions | undefined {
    return this.lora ? { lora: { scale: loraScale(this.lora), dropout: 0 } } : undefined;
  }

  /** The policy on the host: with LoRA, the base with the adapters merged in. */
  async merged(): Promise<HostWeights> {
    const trained = await readHost(this.variables);
    return this.base && this.lora ? mergeLoraWeights(await readHost(this.base), trained, this.lora, this.layout) : trained;
  }

  /** LoRA's adapters alone (PEFT export), or null for full fine-tuning. */
  async adapters(): Promise<HostWeights | null> {
    return this.base ? readHost(this.variables) : null;
  }

  /** Runs `use` with the policy's weights (LoRA merged on the device for the call); valid only inside `use`. */
  async withMerged<T>(use: (weights: NamedWeights) => Promise<T>): Promise<T> {
    if (!this.base || !this.lora) return use(this.variables);
    const merged = mergedDeviceWeights(this.base, this.variables, this.lora, this.layout);
    try {
      return await use(merged);
    } finally {
      disposeMergedWeights(merged, this.base);
    }
  }

  dispose(): void {
    tf.dispose(Object.values(this.variables));
    if (this.base) tf.dispose(Object.values(this.base));
  }
}

/** Device tensors read back to the host, by name (packed weights unpacked bit for bit). */
export async function readHost(weights: NamedWeights): Promise<HostWeights> {
  const out: HostWeights = new Map();
  for (const [name, t] of Object.entries(weights)) out.set(name, await readWeightHost(t));
  return out;
}
