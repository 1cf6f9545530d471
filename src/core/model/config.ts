/** Shape of a GPT-2-architecture decoder, with Hugging Face's GPT2Config field names. */
export interface GptConfig {
  /** Absent on configs written before the Llama family: GPT-2 is the default. */
  family?: 'gpt2';
  vocabSize: number;
  nPositions: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  layerNormEpsilon: number;
}

export type PresetName = 'tiny' | 'small' | 'base';

export interface Preset {
  name: PresetName;
  description: string;
  model: Omit<GptConfig, 'vocabSize'>;
  /** Training defaults that suit this size. */
  batchSize: number;
  maxLength: number;
}

export const PRESETS: Record<PresetName, Preset> = {
  tiny: {
    name: 'tiny',
    description: 'd=32, 2 layers, context 64: for CPUs, software WebGPU and tests',
    model: { nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2, layerNormEpsilon: 1e-5 },
    batchSize: 2,
    maxLength: 64,
  },
  small: {
    name: 'small',
    description: 'd=128, 4 layers, context 128: the default, for a laptop GPU',
    model: { nPositions: 128, nEmbd: 128, nLayer: 4, nHead: 4, layerNormEpsilon: 1e-5 },
    batchSize: 4,
    maxLength: 128,
  },
  base: {
    name: 'base',
    description: 'd=256, 6 layers, context 256: for a real GPU',
    model: { nPositions: 256, nEmbd: 256, nLayer: 6, nHead: 8, layerNormEpsilon: 1e-5 },
    batchSize: 8,
    maxLength: 256,
  },
};

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

export function presetConfig(name: PresetName, vocabSize: number): GptConfig {
  return { ...PRESETS[name].model, vocabSize };
}

/** The preset a loaded model's shape (with the given vocabulary) matches, if any. */
export function presetOf(config: GptConfig, vocabSize: number): PresetName | undefined {
  const same = (p: GptConfig) =>
    p.nEmbd === config.nEmbd && p.nLayer === config.nLayer && p.nHead === config.nHead && p.nPositions === config.nPositions && p.vocabSize === config.vocabSize;
  return (Object.keys(PRESETS) as PresetName[]).find((name) => same(presetConfig(name, vocabSize)));
}

/** Throws with the offending field named when the shape cannot be built. */
export function validateGptConfig(config: GptConfig): void {
  const positive: (keyof GptConfig)[] = ['vocabSize', 'nPositions', 'nEmbd', 'nLayer', 'nHead'];
  for (const key of positive) {
    const value = config[key] as number;
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`model config: ${key} must be a positive integer, got ${value}`);
    }
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new Error(`model config: nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead})`);
  }
}
