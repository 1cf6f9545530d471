import * as tf from '@tensorflow/tfjs-core';
import type { HostWeights } from '../model/gpt-weights';
import type { OptimizerState } from './optimizers';

/** Everything a resumed run needs (see Trainer.snapshot); checkpoint-file.ts stores it. */
export interface TrainerSnapshot {
  step: number;
  policy: HostWeights;
  reference: HostWeights | null;
  /** LoRA runs: the frozen base the adapters (`policy`) sit on; null for full fine-tuning. */
  base?: HostWeights | null;
  optimizer: OptimizerState;
  data: { order: number[]; cursor: number; rng: number };
}

/** Copies host tensors into variables of the same names and shapes. */
export function assignWeights(target: Record<string, tf.Variable>, source: HostWeights, label: string): void {
  for (const [name, v] of Object.entries(target)) {
    const t = source.get(name);
    if (!t || t.shape.join(',') !== v.shape.join(','))
      throw new Error(`checkpoint: ${label} tensor ${name} is missing or has the wrong shape`);
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
  }
}
