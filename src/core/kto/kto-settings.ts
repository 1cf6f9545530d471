import type { DpoSettings } from '../train/settings';

/** KTO's own refusals, named by setting (called from validateSettings). */
export function validateKtoSettings(s: DpoSettings, fail: (field: keyof DpoSettings, why: string) => never): void {
  for (const key of ['desirableWeight', 'undesirableWeight'] as const) {
    if (!(s[key] >= 0) || !Number.isFinite(s[key])) fail(key, `must be a finite number ≥ 0, got ${s[key]}`);
  }
  if (s.stage !== 'kto') return;
  // With one row its KL row is the row itself, so z₀ would be the implied reward (TRL refuses it too).
  if (s.batchSize < 2) fail('batchSize', `KTO needs at least 2 rows per batch: the KL baseline pairs each prompt with another row's completion, got ${s.batchSize}`);
}

/**
 * A KTO run's settings under TRL's KTOConfig names, which run.json records beside the app's
 * own (so a run compares with a KTOTrainer run): undefined for other stages.
 */
export function ktoConfigNames(settings: Record<string, unknown>): Record<string, unknown> | undefined {
  if (settings.stage !== 'kto') return undefined;
  return {
    loss_type: 'kto',
    beta: settings.beta,
    desirable_weight: settings.desirableWeight,
    undesirable_weight: settings.undesirableWeight,
    precompute_ref_log_probs: settings.precomputeReference,
  };
}
