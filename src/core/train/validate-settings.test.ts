import { describe, expect, it } from 'vitest';
import { MICRO_CONFIG, MICRO_SETTINGS } from '../testing/tiny-model';
import { SettingsError, type DpoSettings } from './settings';
import { validateSettings } from './validate-settings';

/** The SettingsError validation throws for these settings (the form marks `field`, shows `message`). */
function refusal(change: Partial<DpoSettings>): { field: string; message: string } {
  try {
    validateSettings({ ...MICRO_SETTINGS, ...change }, MICRO_CONFIG);
  } catch (error) {
    if (error instanceof SettingsError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(change)}`);
}

describe('validateSettings: the loss options of TRL v1.9.0', () => {
  it('accepts every new loss and option at sensible values', () => {
    const ok: Partial<DpoSettings>[] = [
      { lossTypes: ['exo_pair'], lossWeights: [1], labelSmoothing: 1e-3 },
      { lossTypes: ['sigmoid', 'bco_pair', 'sft'], lossWeights: [0.8, 0.2, 1] },
      { lossTypes: ['aot', 'aot_unpaired'], lossWeights: [1, 1], labelSmoothing: 0.1 },
      { lossTypes: ['discopop'], lossWeights: [1], discopopTau: 0.05, fDivergenceType: 'alpha_divergence', fAlphaDivergenceCoef: 0.3 },
      { lossTypes: ['nca_pair', 'sppo_hard', 'apo_down'], lossWeights: [1, 1, 1], useWeighting: true, ldAlpha: 0 },
      { ldAlpha: 1, fDivergenceType: 'js_divergence' },
    ];
    for (const change of ok) expect(() => validateSettings({ ...MICRO_SETTINGS, ...change }, MICRO_CONFIG), JSON.stringify(change)).not.toThrow();
  });

  it('refuses WPO weighting with the batch-sorting AOT losses, naming use_weighting', () => {
    expect(refusal({ lossTypes: ['sigmoid', 'aot'], lossWeights: [1, 1], useWeighting: true })).toEqual({
      field: 'useWeighting',
      message:
        'useWeighting: WPO weights each pair, but aot sorts the batch, which would misalign the weights (TRL refuses this too); turn one off',
    });
    expect(refusal({ lossTypes: ['aot_unpaired'], lossWeights: [1], useWeighting: true }).message).toMatch(/aot_unpaired sorts the batch/);
  });

  it('refuses exo_pair without label smoothing, since its KL has log ε', () => {
    expect(refusal({ lossTypes: ['exo_pair'], lossWeights: [1], labelSmoothing: 0 })).toEqual({
      field: 'labelSmoothing',
      message: 'labelSmoothing: must be above 0 for exo_pair (its ε: the EXO paper recommends 1e-3), got 0',
    });
  });

  it('refuses out-of-range values, naming the field', () => {
    expect(refusal({ ldAlpha: 1.5 })).toEqual({ field: 'ldAlpha', message: 'ldAlpha: must be in [0, 1] or empty (off), got 1.5' });
    expect(refusal({ ldAlpha: NaN }).field).toBe('ldAlpha');
    expect(refusal({ discopopTau: 0 })).toEqual({
      field: 'discopopTau',
      message: "discopopTau: must be a positive number (DiscoPOP's τ, default 0.05), got 0",
    });
    expect(refusal({ fDivergenceType: 'kl' as DpoSettings['fDivergenceType'] })).toEqual({
      field: 'fDivergenceType',
      message: 'fDivergenceType: must be one of reverse_kl, forward_kl, js_divergence, alpha_divergence, got kl',
    });
    expect(refusal({ fAlphaDivergenceCoef: NaN }).field).toBe('fAlphaDivergenceCoef');
    expect(refusal({ lossTypes: ['kto_pair' as DpoSettings['lossTypes'][number]], lossWeights: [1] }).message).toMatch(
      /^lossTypes: unknown loss "kto_pair" \(known: .*exo_pair, nca_pair, bco_pair, sppo_hard, aot, aot_unpaired, apo_down, discopop\)$/,
    );
  });
});
