import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from './config';
import { causalMask, gptForward, type NamedWeights } from './gpt';
import { EOS_ID, PAD_ID } from '../tokenizer/byte-tokenizer';

/**
 * Greedy completion of `promptIds`. Every forward uses the same [1, nPositions] padded
 * shape (causal attention makes the padding after the last real token invisible), so
 * WebGPU reuses its buffers instead of allocating one set per length.
 * @returns the generated ids, without the prompt and without EOS
 */
export async function greedyComplete(weights: NamedWeights, config: GptConfig, promptIds: readonly number[], maxNewTokens: number): Promise<number[]> {
  const length = config.nPositions;
  const ids = promptIds.slice(Math.max(0, promptIds.length - (length - 1)));
  const generated: number[] = [];
  const mask = causalMask(length);
  try {
    while (generated.length < maxNewTokens && ids.length < length) {
      const padded = Int32Array.from({ length }, (_, t) => (t < ids.length ? ids[t] : PAD_ID));
      const next = tf.tidy(() => {
        const logits = gptForward(weights, config, tf.tensor2d(padded, [1, length], 'int32'), mask);
        const last = tf.slice(logits, [0, ids.length - 1, 0], [1, 1, config.vocabSize]);
        // PAD is never a valid prediction.
        return tf.argMax(tf.slice(tf.reshape(last, [config.vocabSize]), [0], [PAD_ID]));
      });
      const token = (await next.data())[0];
      next.dispose();
      if (token === EOS_ID) break;
      ids.push(token);
      generated.push(token);
    }
  } finally {
    mask.dispose();
  }
  return generated;
}
