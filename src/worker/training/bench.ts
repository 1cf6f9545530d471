import { BENCH_CASES, benchCase, benchLogProbs, type BenchRun } from '../../core/bench/step-bench';
import { benchFirstStep } from '../../core/bench/first-step-bench';
import type { Params, Result } from '../../protocol/messages';
import { CodedError } from '../errors';
import { warmUpShaders } from './shader-warmup';

/**
 * The benchmark on this worker's backend: the same Trainer code the app trains with, or, when
 * `options.logprobs` is set, the sequence log-prob memory benchmark (npm run bench -- --logprobs),
 * or with `options.firstStep`, the time to the first step at several dataset sizes.
 */
export async function runBench({ models, options }: Params<'bench'>, assertIdle: () => void): Promise<Result<'bench'>> {
  assertIdle();
  if (options.logprobs) return { runs: await benchLogProbs(options.logprobs, () => performance.now()) };
  const runs: BenchRun[] = [];
  for (const name of models) {
    const c = BENCH_CASES[name];
    if (!c) throw new CodedError('bad-setting', `bench: unknown model "${name}" (one of ${Object.keys(BENCH_CASES).join(', ')})`);
    if (options.firstStep) runs.push(...(await benchFirstStep(c, options.firstStep, () => performance.now(), warmUpShaders)));
    else runs.push(await benchCase(c, options, () => performance.now(), warmUpShaders));
  }
  return { runs };
}
