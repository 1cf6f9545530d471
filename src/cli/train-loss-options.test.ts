/** The CLI's TRL-named loss flags: what a user types, what the run records, what it refuses. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured as cli } from './run-captured';
import { settingsFromFlags, UsageError } from './train-options';

const DATA = 'e2e/fixtures/small-pairs.jsonl';

describe('cli train: TRL v1.9.0 loss options', () => {
  it('maps TRL-named flags onto the settings', () => {
    const s = settingsFromFlags(
      {
        'loss-type': 'sigmoid,bco_pair,sft',
        'loss-weights': '0.8,0.2,1',
        'f-divergence-type': 'alpha_divergence',
        'f-alpha-divergence-coef': '0.3',
        'discopop-tau': '0.1',
        'use-weighting': true,
        'ld-alpha': '0.5',
      },
      'tiny',
    );
    expect(s).toMatchObject({
      lossTypes: ['sigmoid', 'bco_pair', 'sft'],
      lossWeights: [0.8, 0.2, 1],
      fDivergenceType: 'alpha_divergence',
      fAlphaDivergenceCoef: 0.3,
      discopopTau: 0.1,
      useWeighting: true,
      ldAlpha: 0.5,
    });
    // Without the flags: TRL's defaults, which are plain DPO.
    expect(settingsFromFlags({}, 'tiny')).toMatchObject({ fDivergenceType: 'reverse_kl', fAlphaDivergenceCoef: 0.5, discopopTau: 0.05, useWeighting: false, ldAlpha: null });
  });

  it('names the flag of a value it cannot use', () => {
    expect(() => settingsFromFlags({ 'loss-type': 'sigmoid,kto_pair' }, 'tiny')).toThrow(UsageError);
    expect(() => settingsFromFlags({ 'loss-type': 'sigmoid,kto_pair' }, 'tiny')).toThrow(/^--loss-type: "kto_pair" is not one of sigmoid, .*, discopop$/);
    expect(() => settingsFromFlags({ 'f-divergence-type': 'kl' }, 'tiny')).toThrow(/^--f-divergence-type: "kl" is not one of reverse_kl, forward_kl, js_divergence, alpha_divergence$/);
    expect(() => settingsFromFlags({ 'ld-alpha': 'half' }, 'tiny')).toThrow(/^--ld-alpha: "half" is not a number$/);
    expect(() => settingsFromFlags({ loss: 'sigmoid', 'loss-type': 'ipo' }, 'tiny')).toThrow(/same flag/);
  });

  it('refuses use_weighting with aot before training, exit 2 and one line', async () => {
    const run = await cli('train', '--data', DATA, '--out', '/tmp/x', '--loss-type', 'aot', '--use-weighting');
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^error: useWeighting: WPO weights each pair, but aot sorts the batch/);
  });

  it('trains with discopop, WPO, LD-DPO and an f-divergence, and run.json records them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpo-cli-'));
    const args = ['--loss-type', 'discopop', '--discopop-tau', '0.1', '--use-weighting', '--ld-alpha', '0.5', '--f-divergence-type', 'js_divergence'];
    const { code } = await cli('train', '--data', DATA, '--out', dir, '--steps', '2', '--eval-fraction', '0', ...args);
    expect(code).toBe(0);
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(run.settings).toMatchObject({ lossTypes: ['discopop'], discopopTau: 0.1, useWeighting: true, ldAlpha: 0.5, fDivergenceType: 'js_divergence' });
    const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.step)).toEqual([1, 2]);
    for (const row of rows) expect(Number.isFinite(row.loss)).toBe(true);
  });
});
