import type { ModelConfig } from '../model/causal-lm';
import { loraForModel } from '../model/lora';
import { F_DIVERGENCE_TYPES, LOSS_TYPES, SettingsError, type DpoSettings } from './settings';
import { validateKtoSettings } from '../kto/kto-settings';

const isWhole = (x: number, min: number) => Number.isInteger(x) && x >= min;

/**
 * Refuses settings that cannot work, naming the setting, before any compute starts.
 * @param trainPairs pairs available for training, when a dataset is loaded
 */
export function validateSettings(s: DpoSettings, model: ModelConfig, trainPairs?: number): void {
  const fail = (field: keyof DpoSettings, why: string): never => {
    throw new SettingsError(field, `${field}: ${why}`);
  };
  if (s.stage !== 'sft' && s.stage !== 'dpo' && s.stage !== 'kto') fail('stage', `must be "sft", "dpo" or "kto", got ${s.stage}`);
  validateKtoSettings(s, fail);
  if (!(s.beta > 0) || !Number.isFinite(s.beta)) fail('beta', `must be a positive number, got ${s.beta}`);
  if (s.lossTypes.length === 0) fail('lossTypes', 'choose at least one loss');
  for (const t of s.lossTypes) if (!LOSS_TYPES.includes(t)) fail('lossTypes', `unknown loss "${t}" (known: ${LOSS_TYPES.join(', ')})`);
  if (s.lossWeights.length !== s.lossTypes.length) fail('lossWeights', `${s.lossWeights.length} weights for ${s.lossTypes.length} losses`);
  if (s.lossWeights.some((w) => !Number.isFinite(w) || w < 0)) fail('lossWeights', 'weights must be finite and ≥ 0');
  const robust = s.lossTypes.includes('robust');
  if (!(s.labelSmoothing >= 0 && s.labelSmoothing < (robust ? 0.5 : 1))) {
    fail('labelSmoothing', `must be in [0, ${robust ? '0.5' : '1'})${robust ? ' for the robust loss' : ''}, got ${s.labelSmoothing}`);
  }
  if (!Number.isFinite(s.simpoGamma)) fail('simpoGamma', `must be a number, got ${s.simpoGamma}`);
  validateLossOptions(s, fail);
  if (s.reference !== 'frozen' && s.reference !== 'none') fail('reference', `must be "frozen" or "none", got ${s.reference}`);
  if (!isWhole(s.referenceSyncSteps, 0)) fail('referenceSyncSteps', `must be a whole number ≥ 0, got ${s.referenceSyncSteps}`);
  if (!(s.referenceSyncAlpha > 0 && s.referenceSyncAlpha <= 1))
    fail('referenceSyncAlpha', `must be in (0, 1], got ${s.referenceSyncAlpha}`);
  if (!['adamw', 'adam', 'rmsprop'].includes(s.optimizer)) fail('optimizer', `must be adamw, adam or rmsprop, got ${s.optimizer}`);
  if (!(s.learningRate > 0) || !Number.isFinite(s.learningRate)) fail('learningRate', `must be a positive number, got ${s.learningRate}`);
  if (!(s.weightDecay >= 0)) fail('weightDecay', `must be ≥ 0, got ${s.weightDecay}`);
  if (!['constant', 'linear', 'cosine'].includes(s.scheduler)) fail('scheduler', `must be constant, linear or cosine, got ${s.scheduler}`);
  if (!isWhole(s.warmupSteps, 0)) fail('warmupSteps', `must be a whole number ≥ 0, got ${s.warmupSteps}`);
  if (!isWhole(s.batchSize, 1)) fail('batchSize', `must be a whole number ≥ 1, got ${s.batchSize}`);
  if (!isWhole(s.gradientAccumulationSteps, 1))
    fail('gradientAccumulationSteps', `must be a whole number ≥ 1, got ${s.gradientAccumulationSteps}`);
  if (trainPairs !== undefined && s.batchSize > trainPairs) {
    fail('batchSize', `${s.batchSize} pairs per batch, but the dataset has only ${trainPairs} usable training pairs`);
  }
  if (!isWhole(s.maxLength, 2)) fail('maxLength', `must be a whole number ≥ 2, got ${s.maxLength}`);
  if (s.maxLength > model.nPositions) fail('maxLength', `${s.maxLength} exceeds the model's context of ${model.nPositions} tokens`);
  if (!isWhole(s.maxPromptLength, 0) || s.maxPromptLength >= s.maxLength) {
    fail('maxPromptLength', `must be a whole number below maxLength (${s.maxLength}), got ${s.maxPromptLength}`);
  }
  if (!isWhole(s.steps, 0)) fail('steps', `must be a whole number ≥ 0, got ${s.steps}`);
  if (!Number.isInteger(s.seed)) fail('seed', `must be a whole number, got ${s.seed}`);
  if (!(s.maxGradNorm >= 0)) fail('maxGradNorm', `must be ≥ 0, got ${s.maxGradNorm}`);
  if (!(s.evalFraction >= 0 && s.evalFraction < 1)) fail('evalFraction', `must be in [0, 1), got ${s.evalFraction}`);
  if (!isWhole(s.evalEvery, 0)) fail('evalEvery', `must be a whole number ≥ 0, got ${s.evalEvery}`);
  if (!isWhole(s.sampleEvery, 0)) fail('sampleEvery', `must be a whole number ≥ 0, got ${s.sampleEvery}`);
  if (!isWhole(s.checkpointEvery, 0)) fail('checkpointEvery', `must be a whole number ≥ 0, got ${s.checkpointEvery}`);
  if (s.lora) {
    try {
      loraForModel(s.lora, model);
    } catch (error) {
      fail('lora', (error as Error).message.replace(/^lora: /, ''));
    }
    if (s.referenceSyncSteps > 0) fail('referenceSyncSteps', 'TR-DPO moves the reference, but with LoRA the reference is the frozen base; set it to 0 or train all weights');
  }
  if (!(s.memoryBudgetMb > 0)) fail('memoryBudgetMb', `must be a positive number of MB, got ${s.memoryBudgetMb}`);
  if (!(s.temperature >= 0)) fail('temperature', `must be ≥ 0 (0 = greedy), got ${s.temperature}`);
  if (!isWhole(s.topK, 0)) fail('topK', `must be a whole number ≥ 0 (0 = off), got ${s.topK}`);
  if (!(s.topP > 0 && s.topP <= 1)) fail('topP', `must be in (0, 1], got ${s.topP}`);
  if (!isWhole(s.maxNewTokens, 1)) fail('maxNewTokens', `must be a whole number ≥ 1, got ${s.maxNewTokens}`);
}

type Fail = (field: keyof DpoSettings, why: string) => never;

/** The options TRL v1.9.0 added around its losses, and the combinations its DPOTrainer refuses. */
function validateLossOptions(s: DpoSettings, fail: Fail): void {
  if (s.lossTypes.includes('exo_pair') && !(s.labelSmoothing > 0))
    fail('labelSmoothing', 'must be above 0 for exo_pair (its ε: the EXO paper recommends 1e-3), got 0');
  if (!(s.discopopTau > 0) || !Number.isFinite(s.discopopTau)) fail('discopopTau', `must be a positive number (DiscoPOP's τ, default 0.05), got ${s.discopopTau}`);
  if (!F_DIVERGENCE_TYPES.includes(s.fDivergenceType))
    fail('fDivergenceType', `must be one of ${F_DIVERGENCE_TYPES.join(', ')}, got ${s.fDivergenceType}`);
  if (!Number.isFinite(s.fAlphaDivergenceCoef)) fail('fAlphaDivergenceCoef', `must be a number, got ${s.fAlphaDivergenceCoef}`);
  if (typeof s.useWeighting !== 'boolean') fail('useWeighting', `must be true or false, got ${String(s.useWeighting)}`);
  const sorting = s.lossTypes.filter((t) => t === 'aot' || t === 'aot_unpaired');
  if (s.useWeighting && sorting.length > 0)
    fail('useWeighting', `WPO weights each pair, but ${sorting.join(' and ')} sorts the batch, which would misalign the weights (TRL refuses this too); turn one off`);
  if (s.ldAlpha !== null && !(s.ldAlpha >= 0 && s.ldAlpha <= 1)) fail('ldAlpha', `must be in [0, 1] or empty (off), got ${s.ldAlpha}`);
}
