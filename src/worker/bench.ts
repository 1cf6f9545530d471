import { BENCH_CASES, benchCase } from '../core/bench/step-bench';
import type { Params, Result } from '../protocol/messages';
import { CodedError } from './errors';

/** The benchmark on this worker's backend: the same Trainer code the app trains with. */
export async function runBench({ models, options }: Params<'bench'>, assertIdle: () => void): Promise<Result<'bench'>> {
  assertIdle();
  const runs = [];
  for (const name of models) {
    const c = BENCH_CASES[name];
    if (!c) throw new CodedError('bad-setting', `bench: unknown model "${name}" (one of ${Object.keys(BENCH_CASES).join(', ')})`);
    runs.push(await benchCase(c, options, () => performance.now()));
  }
  return { runs };
}
