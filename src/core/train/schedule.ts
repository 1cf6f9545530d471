import type { SchedulerName } from './settings';

/**
 * Learning-rate multiplier for optimizer step `step` (0-based), as transformers'
 * get_{constant,linear,cosine}_schedule_with_warmup define it: linear warm-up from 0 over
 * `warmup` steps, then constant, linear decay to 0 at `total`, or a half cosine to 0.
 */
export function learningRateMultiplier(kind: SchedulerName, step: number, warmup: number, total: number): number {
  if (step < warmup) return step / Math.max(1, warmup);
  if (kind === 'constant') return 1;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  if (kind === 'linear') return Math.max(0, (total - step) / Math.max(1, total - warmup));
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 2 * 0.5 * progress)));
}
