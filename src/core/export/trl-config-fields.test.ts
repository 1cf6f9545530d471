import { describe, expect, it } from 'vitest';
import { pythonScriptCalls, type PythonArgument, type ScriptCalls } from '../testing/python-script-calls';
import { DEFAULT_SETTINGS, type DpoSettings, type LossType } from '../train/settings';
import fields from './trl-config-fields.json';
import { TRL_VERSION, trlScript } from './trl-script';

/**
 * Every keyword argument an exported script passes exists in the TRL release it targets:
 * checked against trl-config-fields.json, which tools/trl_config_fields.py reads out of TRL's
 * own source at the tag (TrainingArguments' fields, outside TRL, are listed there by hand).
 * The scripts are read with Python's parser, not through the table that wrote them.
 */
type Config = 'DPOConfig' | 'KTOConfig';
type Trainer = 'DPOTrainer' | 'KTOTrainer';

const LORA = { rank: 4, alpha: 8, dropout: 0.1, targets: ['c_attn', 'c_proj'] as ('c_attn' | 'c_proj')[] };
const ALL_LOSSES: LossType[] = [
  'sigmoid', 'robust', 'ipo', 'hinge', 'sigmoid_norm', 'apo_zero', 'sft', 'simpo',
  'exo_pair', 'nca_pair', 'bco_pair', 'sppo_hard', 'aot', 'aot_unpaired', 'apo_down', 'discopop',
]; // prettier-ignore

/** Settings that between them switch on every option the scripts can write. */
const VARIANTS: Partial<DpoSettings>[] = [
  {},
  { stage: 'sft' },
  { lossTypes: ALL_LOSSES, lossWeights: ALL_LOSSES.map(() => 1), labelSmoothing: 0.1, discopopTau: 0.1 },
  { fDivergenceType: 'alpha_divergence', fAlphaDivergenceCoef: 0.3, useWeighting: true, ldAlpha: 0.5 },
  { referenceSyncSteps: 8, reference: 'none', optimizer: 'rmsprop', scheduler: 'constant', warmupSteps: 4, evalFraction: 0 },
  { stage: 'kto', desirableWeight: 1.2, undesirableWeight: 0.8, referenceSyncSteps: 8 },
  { stage: 'kto', batchSize: 1, evalFraction: 0 },
];

const configFields = (config: Config) => new Set([...fields[config].fields, ...fields.TrainingArguments.fields]);

/** Names passed to `config(...)` that the release does not have. */
function unknownOptions(script: ScriptCalls, config: Config): string[] {
  const known = configFields(config);
  return (script.calls[config] ?? []).flatMap((call) => Object.keys(call).filter((name) => !known.has(name)));
}

const strings = (value: PythonArgument | undefined): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

describe(`the scripts' options exist in ${fields.trl.tag} (commit ${fields.trl.commit.slice(0, 8)})`, () => {
  const scripts = VARIANTS.flatMap((s) =>
    [undefined, LORA].map((lora) => trlScript({ settings: { ...DEFAULT_SETTINGS, ...s }, lora, modelRef: 'gpt2', datasetName: 'd' })),
  );
  const parsed = pythonScriptCalls(scripts);

  it('the field list was read from the release the scripts pin', () => {
    expect(TRL_VERSION).toBe(`trl==${fields.trl.tag.replace(/^v/, '')}`);
    expect(fields.trl.commit).toMatch(/^[0-9a-f]{40}$/);
    // TRL 1.x dropped these 0.x options; the old script passed them.
    for (const removed of ['rpo_alpha', 'max_prompt_length', 'reference_free']) expect(configFields('DPOConfig').has(removed)).toBe(false);
  });

  it('every DPOConfig / KTOConfig keyword argument is a field of that config (or of TrainingArguments)', () => {
    const seen = new Set<string>();
    parsed.forEach((script, i) => {
      const config: Config = script.calls.KTOConfig ? 'KTOConfig' : 'DPOConfig';
      expect(script.calls[config], `script ${i}`).toHaveLength(1);
      expect(unknownOptions(script, config), `script ${i} (${config})`).toEqual([]);
      for (const name of Object.keys(script.calls[config][0])) seen.add(`${config}.${name}`);
    });
    // The variants did reach the options they are there for.
    for (const option of ['DPOConfig.discopop_tau', 'DPOConfig.ld_alpha', 'DPOConfig.sync_ref_model', 'DPOConfig.label_smoothing', 'KTOConfig.desirable_weight']) {
      expect(seen).toContain(option);
    }
  });

  it('the check catches an option the release lacks', () => {
    const doctored = scripts[0].replace('    args = DPOConfig(\n', '    args = DPOConfig(\n        rpo_alpha=0.25,\n        max_prompt_length=64,\n');
    expect(unknownOptions(pythonScriptCalls([doctored])[0], 'DPOConfig')).toEqual(['rpo_alpha', 'max_prompt_length']);
  });

  it("loss types and f-divergences are values TRL's trainers branch on; trainer arguments are __init__ parameters", () => {
    const losses = new Set(fields.DPOTrainer.comparedValues.loss_type);
    const divergences = new Set(fields.DPOTrainer.comparedValues.f_divergence_type);
    const ktoLosses = new Set(fields.KTOConfig.choices.loss_type);
    for (const script of parsed) {
      for (const call of script.calls.DPOConfig ?? []) {
        for (const loss of strings(call.loss_type)) expect(losses).toContain(loss);
        for (const divergence of strings(call.f_divergence_type)) expect(divergences).toContain(divergence);
      }
      for (const call of script.calls.KTOConfig ?? []) for (const loss of strings(call.loss_type)) expect(ktoLosses).toContain(loss);
      for (const trainer of ['DPOTrainer', 'KTOTrainer'] as Trainer[]) {
        const parameters = new Set(fields[trainer].parameters);
        for (const call of script.calls[trainer] ?? []) for (const name of Object.keys(call)) expect(parameters, `${trainer}(${name}=)`).toContain(name);
      }
    }
  });
});
