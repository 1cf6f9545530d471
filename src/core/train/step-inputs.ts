/**
 * A batch's way through one loss evaluation, split at the gradient tape: `stepInputs` uploads
 * it and computes, before the tape, what needs no gradient (reference log-probs, cached per
 * row when the run caches; a KTO batch's KL rows); `stepForward` is the policy's forward and
 * the loss, which the tape differentiates. SFT, DPO and KTO batches all go through here.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/causal-lm';
import type { ForwardOptions, NamedWeights } from '../model/forward-options';
import { dpoForward, sftForward, uploadBatch, type DeviceBatch, type StepForward, type TokenScales } from './dpo-step';
import type { RunReference } from './run-reference';
import type { DpoSettings } from './settings';
import type { IndexedBatch, Split } from './training-data';
import { ktoInputsForward, ktoStepInputs, type KtoStepInputs } from '../kto/kto-step-inputs';

/** What a step's forwards read: the policy as it trains, the run's reference, the mask and the settings. */
export interface StepContext {
  weights: NamedWeights;
  config: ModelConfig;
  /** The policy forward's options (LoRA dropout); the reference forward takes none. */
  options?: ForwardOptions;
  references: RunReference;
  mask: tf.Tensor2D;
  settings: DpoSettings;
}

/** A batch on the device with its reference log-probs (none for SFT), or a KTO batch's inputs. */
export interface StepInputs {
  device: DeviceBatch;
  reference: tf.Tensor1D | null;
  kto?: KtoStepInputs;
}

/** LD-DPO's α where it applies (DPO pairs), else null. */
export function ldAlphaOf(settings: DpoSettings): number | null {
  return settings.stage === 'dpo' ? settings.ldAlpha : null;
}

/** A batch's inputs outside any gradient tape; inside a tidy. `record` off caches nothing (a compile-only rehearsal). */
export function stepInputs(ctx: StepContext, batch: IndexedBatch, split: Split, record = true): StepInputs {
  if (batch.kto) {
    const kto = ktoStepInputs(ctx, batch.kto, batch.indices, split, record);
    return { device: kto.device.rows, reference: kto.reference, kto };
  }
  const device = uploadBatch(batch.batch, ldAlphaOf(ctx.settings));
  const reference = ctx.settings.stage === 'sft' ? null : ctx.references.logProbs(split, batch.indices, device, ctx.mask, ctx.settings, record);
  return { device, reference };
}

/** Loss and metrics of one batch from its inputs: the policy's forward (inside the tape when training). */
export function stepForward(ctx: StepContext, { device, reference, kto }: StepInputs, scales?: TokenScales): StepForward {
  const { weights, config, mask, settings, options } = ctx;
  if (kto) return ktoInputsForward(ctx, kto);
  if (settings.stage === 'sft' || !reference) return sftForward(weights, config, device, mask, scales, options);
  return dpoForward(weights, config, device, reference, mask, settings, scales, options);
}
