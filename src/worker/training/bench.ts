import { BENCH_CASES, benchCase, type BenchRun } from '../../core/bench/step-bench';
import { benchLogProbs } from '../../core/bench/logprobs-bench';
import { benchFirstStep } from '../../core/bench/first-step-bench';
import { benchAttentionRun } from '../../core/bench/attention-bench';
import { benchPackedLinear } from '../../core/bench/packed-linear-bench';
import type { Params, Result } from '../../protocol/messages';
import { CodedError } from '../errors';
import { warmUpShaders } from './shader-warmup';

/**
 * The benchmark on this worker's backend: the same Trainer code the app trains with, or, when
 * `options.logprobs` is set, the sequence log-prob memory benchmark (npm run bench -- --logprobs),
 * with `options.firstStep`, the time to the first step at several dataset sizes, with
 * `attentionOnly` each model's attention memory, or with `packedLinear` the packed 16-bit matmul.
 */
export async function runBench({ models, options }: Params<'bench'>, assertIdle: () => void): Promise<Result<'bench'>> {
  assertIdle();
  if (options.logprobs) return { runs: await benchLogProbs(options.logprobs, () => performance.now()) };
  if (options.packedLinear) return { runs: [await benchPackedLinear(options.packedLinear, () => performance.now())] };
  const runs: BenchRun[] = [];
  for (const name of models) {
    const c = BENCH_CASES[name];
    if (!c) throw new CodedError('bad-setting', `bench: unknown model "${name}" (one of ${Object.keys(BENCH_CASES).join(', ')})`);
    if (options.attentionOnly) runs.push(await benchAttentionRun(c, options.attentionLengths));
    else if (options.firstStep) runs.push(...(await benchFirstStep(c, options.firstStep, () => performance.now(), warmUpShaders)));
    else runs.push(await benchCase(c, options, () => performance.now(), warmUpShaders));
  }
  return { runs };
}
