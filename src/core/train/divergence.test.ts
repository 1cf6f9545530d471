import { describe, expect, it } from 'vitest';
import { findDivergence } from './divergence';
import { METRIC_COUNT, METRIC_NAMES } from './metric-names';

const row = (patch: Partial<Record<(typeof METRIC_NAMES)[number], number>>) =>
  METRIC_NAMES.map((n) => patch[n] ?? (n.startsWith('rewards') ? NaN : 1));

describe('findDivergence', () => {
  it('finds the first non-finite loss or grad_norm, ignoring DPO-only NaNs (SFT)', () => {
    const values = [...row({}), ...row({ grad_norm: Infinity }), ...row({ loss: NaN })];
    expect(values).toHaveLength(3 * METRIC_COUNT);
    expect(findDivergence([4, 5, 6], values)).toEqual({ step: 5, metric: 'grad_norm', value: Infinity });
    expect(findDivergence([4], row({}))).toBeNull();
  });
});
