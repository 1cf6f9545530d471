/**
 * What a KTO batch's loss needs besides the policy's forward over its rows, computed before
 * the gradient tape starts: the rows' reference log-probs (cached per row when the run caches,
 * RunReference), the KL rows' under the reference (a forward every step: the KL rows change
 * with the shuffled batch) and under the policy (outside the tape, so z₀ carries no gradient,
 * TRL: torch.no_grad).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/causal-lm';
import type { ForwardOptions, NamedWeights } from '../model/forward-options';
import { batchLogProbs, type StepForward } from '../train/dpo-step';
import type { RunReference, Split } from '../train/run-reference';
import type { DpoSettings } from '../train/settings';
import type { KtoBatch } from './kto-batch';
import { ktoForward, uploadKtoBatch, type KtoDeviceBatch } from './kto-step';

export interface KtoStepInputs {
  device: KtoDeviceBatch;
  /** Reference log-probs of the rows, of their KL rows, and the KL rows' under the policy; [B] each. */
  reference: tf.Tensor1D;
  klReference: tf.Tensor1D;
  klPolicy: tf.Tensor1D;
}

/** The policy a step trains, as the forward reads it. */
export interface KtoPolicy {
  weights: NamedWeights;
  config: ModelConfig;
  options?: ForwardOptions;
}

/** Uploads batch `rows` of `split` and computes its inputs; `record` off caches nothing (a compile-only rehearsal). Inside a tidy. */
export function ktoStepInputs(
  batch: KtoBatch,
  rows: readonly number[],
  split: Split,
  policy: KtoPolicy,
  references: RunReference,
  mask: tf.Tensor2D,
  settings: DpoSettings,
  record = true,
): KtoStepInputs {
  const device = uploadKtoBatch(batch);
  return {
    device,
    reference: references.logProbs(split, rows, device.rows, mask, settings, record),
    klReference: references.uncachedLogProbs(device.kl, mask, settings),
    klPolicy: batchLogProbs(policy.weights, policy.config, device.kl, mask, policy.options),
  };
}

/** The loss and metrics of a batch from its inputs: the policy's forward over its rows (inside the tape). */
export function ktoInputsForward(policy: KtoPolicy, inputs: KtoStepInputs, mask: tf.Tensor2D, settings: DpoSettings): StepForward {
  const { device, reference, klPolicy, klReference } = inputs;
  return ktoForward(policy.weights, policy.config, device, reference, klPolicy, klReference, mask, settings, policy.options);
}
