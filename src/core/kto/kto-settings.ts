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
