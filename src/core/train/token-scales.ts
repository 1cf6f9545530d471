import type { DpoBatch } from '../dpo/batch';
import type { TokenScales } from './dpo-step';

/** Completion tokens of the chosen and rejected halves (SFT batches are all chosen). */
function completionTokens(batch: DpoBatch, sft: boolean): TokenScales {
  const half = sft ? batch.rows : batch.rows / 2;
  let chosen = 0;
  let rejected = 0;
  batch.completionMask.forEach((m, i) => (Math.floor(i / batch.length) < half ? (chosen += m) : (rejected += m)));
  return { chosen, rejected };
}

/** Per-micro-batch scales so that token means over M micro-batches equal the big batch's. */
export function tokenScales(batches: DpoBatch[], sft: boolean): TokenScales[] {
  const counts = batches.map((b) => completionTokens(b, sft));
  const total = counts.reduce((a, c) => ({ chosen: a.chosen + c.chosen, rejected: a.rejected + c.rejected }), { chosen: 0, rejected: 0 });
  const m = batches.length;
  return counts.map((c) => ({
    chosen: total.chosen > 0 ? (m * c.chosen) / total.chosen : 1,
    rejected: total.rejected > 0 ? (m * c.rejected) / total.rejected : 1,
  }));
}
