import { presetConfig, presetOf, type PresetName } from '../../core/model/config';
import { countParameters, familyOf, modelTypeOf, type ModelConfig } from '../../core/model/causal-lm';
import { initGptWeights, type HostWeights } from '../../core/model/gpt-weights';
import { SeededRandom } from '../../core/random';
import { BYTE_VOCAB_SIZE } from '../../core/tokenizer/byte-tokenizer';
import { BYTE_TOKENIZER, type TextTokenizer } from '../../core/tokenizer/tokenizer';
import type { HfModel } from '../../core/io/hf-model';
import type { ModelOrigin } from '../../core/export/base-model';
import { loadModelFile } from '../../core/io/run-bundle';
import type { ModelInfo } from '../../protocol/messages';
import { CodedError } from '../errors';
import type { HfSource } from './model-source';

/** What the page needs to know of a model's family: its type, dtype and LoRA targets. */
export function familyInfo(config: ModelConfig, dtype: ModelInfo['dtype']): Pick<ModelInfo, 'family' | 'modelType' | 'dtype' | 'loraTargets' | 'defaultLoraTargets'> {
  const family = familyOf(config);
  return { family: family.name, modelType: modelTypeOf(config), dtype, loraTargets: [...family.loraTargets], defaultLoraTargets: [...family.defaultLoraTargets] };
}

/**
 * The model training starts from: its config, host weights and tokenizer, where it came from
 * (a preset, a dropped file, a Hugging Face folder) and how the page describes it. Runs
 * replace `weights` and `info` as they train; the rest changes only when a model is loaded.
 */
export class CurrentModel {
  config!: ModelConfig;
  weights!: HostWeights;
  info!: ModelInfo;
  /** How text becomes ids for this model; a Hugging Face model brings its own. */
  tokenizer: TextTokenizer = BYTE_TOKENIZER;
  /** A Hugging Face model's files that exports carry over verbatim; null for the built-in model. */
  hfSource: HfSource | null = null;
  /** The Hugging Face model's weights as loaded: a LoRA run on them checkpoints only its adapters. */
  loadedHfWeights: HostWeights | null = null;

  /** A fresh built-in model of a preset's size, initialised from the seed. */
  reset(preset: PresetName, seed: number): ModelInfo {
    this.config = presetConfig(preset, BYTE_VOCAB_SIZE);
    this.weights = initGptWeights(this.config, new SeededRandom(seed));
    this.useBuiltInTokenizer();
    return (this.info = this.describe(preset, `initialised (seed ${seed})`, 0));
  }

  /** An exported zip or safetensors file; a file that cannot load leaves the current model. */
  importFile(name: string, bytes: Uint8Array): ModelInfo {
    let loaded;
    try {
      loaded = loadModelFile(name, bytes);
    } catch (error) {
      throw new CodedError('bad-file', `model file ${name}: ${(error as Error).message}; the current model is kept`);
    }
    this.config = loaded.config;
    this.weights = loaded.weights;
    this.useBuiltInTokenizer();
    const preset = presetOf(loaded.config, BYTE_VOCAB_SIZE) ?? 'custom';
    return (this.info = this.describe(preset, name, loaded.run?.step ?? 0));
  }

  /** A Hugging Face model (files dropped or downloaded). */
  useHf(model: HfModel, origin: ModelOrigin): ModelInfo {
    this.config = model.config;
    this.weights = model.weights;
    this.loadedHfWeights = model.weights;
    this.tokenizer = model.tokenizer;
    this.hfSource = {
      name: model.name,
      origin,
      dtype: model.dtype,
      chatTemplate: model.tokenizer.chatTemplateSource,
      configJson: model.configJson,
      tokenizerFiles: model.tokenizerFiles,
      generationConfigJson: model.generationConfigJson,
    };
    return (this.info = this.describe('custom', model.name, 0));
  }

  /** A resumed run's weights and description; records saved before ModelInfo named the family get its fields again. */
  adoptRun(config: ModelConfig, weights: HostWeights, info: ModelInfo, step: number): ModelInfo {
    this.config = config;
    this.weights = weights;
    return (this.info = { ...info, ...familyInfo(config, this.hfSource?.dtype ?? 'F32'), step });
  }

  private describe(preset: ModelInfo['preset'], source: string, step: number): ModelInfo {
    const c = this.config;
    return {
      preset,
      parameters: countParameters(c),
      nLayer: c.nLayer,
      nEmbd: c.nEmbd,
      nPositions: c.nPositions,
      source,
      step,
      tokenizer: this.tokenizer.name,
      vocabSize: c.vocabSize,
      ...(this.hfSource ? { hfName: this.hfSource.name } : {}),
      ...familyInfo(c, this.hfSource?.dtype ?? 'F32'),
    };
  }

  private useBuiltInTokenizer(): void {
    this.tokenizer = BYTE_TOKENIZER;
    this.hfSource = null;
    this.loadedHfWeights = null;
  }
}
