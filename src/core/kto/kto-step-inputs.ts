/**
 * What a KTO batch's loss needs besides the policy's forward over its rows, computed before
 * the gradient tape starts: the rows' reference log-probs (cached per row when the run caches,
 * RunReference, one value per row), the KL rows' under the reference (a forward every step:
 * the KL rows change with the shuffled batch, so no cache can key them) and under the policy
 * (outside the tape, so z₀ carries no gradient, TRL: torch.no_grad).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { batchLogProbs, type StepForward } from '../train/dpo-step';
import type { Split } from '../train/training-data';
import type { StepContext } from '../train/step-inputs';
import type { KtoBatch } from './kto-batch';
import { ktoForward, uploadKtoBatch, type KtoDeviceBatch } from './kto-step';

export interface KtoStepInputs {
  device: KtoDeviceBatch;
  /** Reference log-probs of the rows, of their KL rows, and the KL rows' under the policy; [B] each. */
  reference: tf.Tensor1D;
  klReference: tf.Tensor1D;
  klPolicy: tf.Tensor1D;
}

/** Uploads batch `rows` of `split` and computes its inputs; `record` off caches nothing. Inside a tidy. */
export function ktoStepInputs(ctx: StepContext, batch: KtoBatch, rows: readonly number[], split: Split, record = true): KtoStepInputs {
  const { references, mask, settings } = ctx;
  const device = uploadKtoBatch(batch);
  return {
    device,
    reference: references.logProbs(split, rows, device.rows, mask, settings, record),
    klReference: references.uncachedLogProbs(device.kl, mask, settings),
    klPolicy: batchLogProbs(ctx.weights, ctx.config, device.kl, mask, ctx.options),
  };
}

/** The loss and metrics of a batch from its inputs: the policy's forward over its rows. */
export function ktoInputsForward(ctx: StepContext, { device, reference, klPolicy, klReference }: KtoStepInputs): StepForward {
  return ktoForward(ctx.weights, ctx.config, device, reference, klPolicy, klReference, ctx.mask, ctx.settings, ctx.options);
}
