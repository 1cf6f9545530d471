import { describe, expect, it } from 'vitest';
import { onlyCall, pythonScriptCalls, type ScriptCalls } from '../testing/python-script-calls';
import { DEFAULT_SETTINGS, type DpoSettings, type FDivergenceType, type LossType } from '../train/settings';
import { trlScript } from './trl-script';

/**
 * Each setting goes into the script as the option TRL 1.9 names it, read back from the
 * script text by Python's parser; what TRL cannot express shows up in the header instead.
 */
const LORA = { rank: 4, alpha: 8, dropout: 0, targets: ['c_attn'] as 'c_attn'[] };
const script = (settings: Partial<DpoSettings>, lora?: typeof LORA) =>
  trlScript({ settings: { ...DEFAULT_SETTINGS, ...settings }, lora, modelRef: 'gpt2', datasetName: 'd' });
/** Reads many scripts in one Python process. */
const read = (variants: Partial<DpoSettings>[], lora?: typeof LORA): ScriptCalls[] => pythonScriptCalls(variants.map((v) => script(v, lora)));
const dpoConfig = (calls: ScriptCalls) => onlyCall(calls, 'DPOConfig');

// Every loss name LossType has, including the ones another branch is implementing.
const ALL_LOSSES: LossType[] = [
  'sigmoid', 'robust', 'ipo', 'hinge', 'sigmoid_norm', 'apo_zero', 'sft', 'simpo',
  'exo_pair', 'nca_pair', 'bco_pair', 'sppo_hard', 'aot', 'aot_unpaired', 'apo_down', 'discopop',
]; // prettier-ignore

describe('settings → DPOConfig of TRL 1.9', () => {
  it('writes each loss under its own name, alone and combined with weights; simpo is listed as not reproduced', () => {
    const alone = read(ALL_LOSSES.map((type) => ({ lossTypes: [type], lossWeights: [0.7], labelSmoothing: 0.01 })));
    ALL_LOSSES.forEach((type, i) => {
      const config = dpoConfig(alone[i]);
      if (type === 'simpo') {
        expect(config.loss_type).toEqual(['sigmoid']);
        expect(alone[i].notReproduced.join('\n')).toMatch(/loss "simpo".*CPOTrainer\(loss_type="simpo", cpo_alpha=0\)/);
        expect(alone[i].notReproduced.join('\n')).toMatch(/falls back to "sigmoid"/);
      } else {
        expect(config.loss_type, type).toEqual([type]);
        expect(config.loss_weights, type).toEqual([0.7]);
        expect(alone[i].notReproduced.join('\n'), type).not.toMatch(/loss "/);
      }
    });
    const mixed = { lossTypes: ['sigmoid', 'bco_pair', 'simpo', 'sft'] as LossType[], lossWeights: [0.8, 0.2, 0.5, 1] };
    const [combined] = read([mixed]);
    expect(dpoConfig(combined).loss_type).toEqual(['sigmoid', 'bco_pair', 'sft']);
    expect(dpoConfig(combined).loss_weights).toEqual([0.8, 0.2, 1]);
    expect(dpoConfig(combined)).not.toHaveProperty('rpo_alpha');
  });

  it('writes label_smoothing for the losses that read it, and lists ε on sigmoid (cDPO) as not reproduced', () => {
    const smoothed: LossType[] = ['robust', 'exo_pair', 'aot', 'aot_unpaired'];
    const runs = read([...smoothed.map((t) => ({ lossTypes: [t], lossWeights: [1], labelSmoothing: 0.2 })), { labelSmoothing: 0.2 }, { labelSmoothing: 0 }]);
    smoothed.forEach((type, i) => expect(dpoConfig(runs[i]).label_smoothing, type).toBe(0.2));
    const [cdpo, plain] = runs.slice(smoothed.length);
    expect(dpoConfig(cdpo)).not.toHaveProperty('label_smoothing');
    expect(cdpo.notReproduced.join('\n')).toMatch(/label smoothing ε = 0\.2 on "sigmoid" \(cDPO\)/);
    expect(plain.notReproduced.join('\n')).not.toMatch(/cDPO/);
  });

  it('maps discopopTau, the f-divergence, useWeighting and ldAlpha to their TRL options', () => {
    const divergences: FDivergenceType[] = ['reverse_kl', 'forward_kl', 'js_divergence', 'alpha_divergence'];
    const runs = read([
      ...divergences.map((fDivergenceType) => ({ fDivergenceType, fAlphaDivergenceCoef: 0.3 })),
      { lossTypes: ['discopop'], lossWeights: [1], discopopTau: 0.07 },
      { useWeighting: true, ldAlpha: 0.4 },
      { lossTypes: ['aot'], lossWeights: [1], useWeighting: true },
    ]);
    divergences.forEach((type, i) => {
      expect(dpoConfig(runs[i]).f_divergence_type).toBe(type);
      if (type === 'alpha_divergence') expect(dpoConfig(runs[i]).f_alpha_divergence_coef).toBe(0.3);
      else expect(dpoConfig(runs[i])).not.toHaveProperty('f_alpha_divergence_coef');
    });
    const [discopop, weighted, aotWeighted] = runs.slice(divergences.length);
    expect(dpoConfig(discopop).discopop_tau).toBe(0.07);
    expect(dpoConfig(runs[0])).not.toHaveProperty('discopop_tau');
    expect(dpoConfig(weighted).use_weighting).toBe(true);
    expect(dpoConfig(weighted).ld_alpha).toBe(0.4);
    expect(dpoConfig(runs[0]).use_weighting).toBe(false);
    expect(dpoConfig(runs[0])).not.toHaveProperty('ld_alpha');
    // TRL refuses WPO weighting with the aot losses: listed, not passed.
    expect(dpoConfig(aotWeighted).use_weighting).toBe(false);
    expect(aotWeighted.notReproduced.join('\n')).toMatch(/use_weighting.*aot/);
  });

  it('maps the reference, TR-DPO, optimizer, schedule, batch, lengths, seed and evaluation', () => {
    const s: Partial<DpoSettings> = {
      beta: 0.3, referenceSyncSteps: 16, referenceSyncAlpha: 0.5, optimizer: 'rmsprop', learningRate: 2e-4, weightDecay: 0.01,
      scheduler: 'cosine', warmupSteps: 7, steps: 90, batchSize: 6, gradientAccumulationSteps: 3, maxLength: 200,
      maxGradNorm: 0.5, seed: 9, evalFraction: 0.2, evalEvery: 0,
    }; // prettier-ignore
    const [run, cached, withLora, constantWarm, noEval] = [
      ...read([s, { precomputeReference: true }]),
      ...read([{ referenceSyncSteps: 16 }], LORA),
      ...read([{ scheduler: 'constant', warmupSteps: 3 }, { evalFraction: 0 }]),
    ];
    expect(dpoConfig(run)).toMatchObject({
      beta: s.beta,
      sync_ref_model: true,
      ref_model_sync_steps: s.referenceSyncSteps,
      ref_model_mixup_alpha: s.referenceSyncAlpha,
      precompute_ref_log_probs: false, // TRL cannot sync a precomputed reference
      optim: 'rmsprop',
      learning_rate: s.learningRate,
      weight_decay: s.weightDecay,
      lr_scheduler_type: 'cosine',
      warmup_steps: s.warmupSteps,
      max_steps: s.steps,
      per_device_train_batch_size: s.batchSize,
      gradient_accumulation_steps: s.gradientAccumulationSteps,
      max_length: s.maxLength,
      max_grad_norm: s.maxGradNorm,
      seed: s.seed,
      eval_strategy: 'steps',
      eval_steps: s.steps, // evalEvery 0: only at the end
      per_device_eval_batch_size: s.batchSize,
      bf16: false,
    });
    expect(run.notReproduced.join('\n')).toMatch(/weight decay: transformers' Trainer skips biases/);
    expect(dpoConfig(cached).precompute_ref_log_probs).toBe(true);
    expect(dpoConfig(withLora)).not.toHaveProperty('sync_ref_model');
    expect(withLora.notReproduced.join('\n')).toMatch(/TR-DPO reference sync \(every 16 steps.*PEFT/);
    expect(dpoConfig(constantWarm).lr_scheduler_type).toBe('constant_with_warmup');
    expect(dpoConfig(noEval).eval_strategy).toBe('no');
  });

  it('lists what TRL 1.9 cannot express instead of passing it: prompt limit, reference-free, LoRA dropout, the sft stage', () => {
    const [free, sft] = read([{ reference: 'none', maxPromptLength: 40 }, { stage: 'sft' }]);
    const [dropout] = read([{}], { ...LORA, dropout: 0.1 });
    for (const removed of ['max_prompt_length', 'reference_free', 'rpo_alpha']) expect(dpoConfig(free)).not.toHaveProperty(removed);
    const header = free.notReproduced.join('\n');
    expect(header).toMatch(/max prompt length \(40 tokens, the last ones kept\)/);
    expect(header).toMatch(/reference "none" \(reference-free.*no reference_free option/);
    expect(dropout.notReproduced.join('\n')).toMatch(/LoRA dropout 0\.1: .*zeroes PEFT's lora_dropout/);
    expect(onlyCall(dropout, 'LoraConfig').lora_dropout).toBe(0.1);
    expect(read([{}], LORA)[0].notReproduced.join('\n')).not.toMatch(/LoRA dropout/);
    expect(dpoConfig(sft).loss_type).toEqual(['sft']);
    expect(sft.notReproduced.join('\n')).toMatch(/stage "sft" runs as DPOTrainer/);
  });
});

describe('settings → KTOConfig of TRL 1.9', () => {
  it('writes a KTOConfig and a KTOTrainer with the desirable and undesirable weights', () => {
    const kto: Partial<DpoSettings> = { stage: 'kto', beta: 0.25, desirableWeight: 1.5, undesirableWeight: 0.5, batchSize: 4, steps: 40 };
    const [run, one] = read([kto, { ...kto, batchSize: 1 }]);
    expect(run.imports).toEqual(expect.arrayContaining(['trl.KTOConfig', 'trl.KTOTrainer']));
    expect(run.imports).not.toContain('trl.DPOConfig');
    expect(run.calls).not.toHaveProperty('DPOConfig');
    expect(onlyCall(run, 'KTOConfig')).toMatchObject({
      output_dir: 'kto-output',
      beta: kto.beta,
      loss_type: 'kto',
      desirable_weight: kto.desirableWeight,
      undesirable_weight: kto.undesirableWeight,
      per_device_train_batch_size: kto.batchSize,
      max_steps: kto.steps,
    });
    expect(onlyCall(run, 'KTOTrainer')).toHaveProperty('processing_class');
    expect(run.notReproduced.join('\n')).toMatch(/train_sampling_strategy "sequential"/);
    // KTOTrainer raises on a micro-batch of one row: the header says so before the run does.
    expect(one.notReproduced.join('\n')).toMatch(/micro-batch of 1 row: KTOTrainer refuses fewer than 2/);
    expect(run.notReproduced.join('\n')).not.toMatch(/micro-batch of/);
  });
});
