import type { ModelConfig } from '../../core/model/causal-lm';
import type { FloatDtype } from '../../core/io/safetensors';
import type { HostWeights } from '../../core/model/gpt-weights';
import type { LoraConfig } from '../../core/model/lora';
import type { PreferencePair } from '../../core/data/preference-pairs';
import type { UnpairedExample } from '../../core/data/unpaired';
import type { ModelInfo } from '../../protocol/messages';
import type { ModelOrigin } from '../../core/export/base-model';

/** A Hugging Face model's files that exports carry over verbatim. */
export interface HfSource {
  name: string;
  /** A download, a named folder or loose files: which name its exports give the base model. */
  origin: ModelOrigin;
  /** The checkpoint's storage dtype: the merged export writes the same unless float32 is asked for. */
  dtype: FloatDtype;
  configJson: Record<string, unknown>;
  tokenizerFiles: Map<string, Uint8Array>;
  /** The chat template conversations were rendered with, when the tokenizer has one. */
  chatTemplate?: string;
  generationConfigJson?: Record<string, unknown>;
}

export interface ExportState {
  config: ModelConfig;
  weights: HostWeights;
  adapters: HostWeights | null;
  lora: LoraConfig | null;
  step: number;
  model: ModelInfo;
  hf: HfSource | null;
  history: { steps: number[]; values: number[] };
  /** The training data: pairs, and the unpaired (thumbs up/down) rows a KTO stage also trains on. */
  dataset: { name: string; pairs: PreferencePair[]; unpaired: UnpairedExample[] };
  backend: string;
}
