/**
 * Hugging Face models in and out: loading a dropped folder or a Hub download, the memory
 * estimate shown before training, and the exports (merged model folder, PEFT adapter,
 * "Continue in TRL"). The worker's only network access is `downloadHubModel`, on request.
 */
import { zipSync } from 'fflate';
import { loadHfModel } from '../../core/io/hf-model';
import { byteTokenizerFiles, hfModelFolderFiles } from '../../core/export/hf-folder';
import { peftAdapterFiles } from '../../core/export/peft-adapter';
import { modelCard } from '../../core/export/model-card';
import { baseModelReference, type ModelOrigin } from '../../core/export/base-model';
import { trlExportFiles } from '../../core/export/trl-script';
import { unpairPairs } from '../../core/export/trl-data';
import { checkMemoryFits, estimateTrainingMemory } from '../../core/model/memory-estimate';
import { tokenLogProbsPath } from '../../core/dpo/token-logprobs';
import { causalAttentionPath } from '../../core/ops/attention';
import { packedOpsPath } from '../../core/ops/packed-linear';
import { familyOf, isLlamaConfig, type ModelConfig } from '../../core/model/causal-lm';
import { validateGptConfig } from '../../core/model/config';
import { validateLlamaConfig } from '../../core/model/llama/config';
import { DEFAULT_LORA, loraForModel, type LoraConfig } from '../../core/model/lora';
import { metricRow, METRIC_NAMES } from '../../core/train/metric-names';
import type { DpoSettings } from '../../core/train/settings';
import { SettingsError } from '../../core/train/settings';
import type { ModelInfo, Params, Result, WorkerEvent } from '../../protocol/messages';
import { CodedError } from '../errors';
import { downloadHubModel, type FileCache } from './hub/hub-download';
import type { TrainingSession } from '../training/training-session';
import type { ExportState } from './model-source';
import { deviceLimits } from '../backend';
import { APP_VERSION } from '../../core/version';


export interface HubDeps {
  fetch: typeof fetch;
  cache: () => FileCache;
}

export class ModelRequests {
  private download: AbortController | null = null;

  constructor(
    private readonly session: TrainingSession,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly hub: HubDeps,
  ) {}

  /** A dropped folder's files (config.json, *.safetensors, tokenizer.json, …). */
  loadHfModel({ name, files, fromFolder }: Params<'loadHfModel'>): ModelInfo {
    return this.load(name, files, fromFolder ? { kind: 'folder', folder: name } : { kind: 'files' });
  }

  private load(name: string, files: Params<'loadHfModel'>['files'], origin: ModelOrigin): ModelInfo {
    this.session.assertIdle();
    const map = new Map(files.map((f) => [baseName(f.name), new Uint8Array(f.bytes)]));
    let model;
    try {
      model = loadHfModel(map, name);
    } catch (error) {
      throw new CodedError('bad-file', `${name}: ${(error as Error).message}; the current model is kept`);
    }
    return this.session.useHfModel(model, origin);
  }

  /** Files from huggingface.co (or the browser's cache of them), then the same loading. */
  async downloadHubModel({ repo, revision, token }: Params<'downloadHubModel'>): Promise<ModelInfo> {
    this.session.assertIdle();
    if (this.download) throw new CodedError('busy', 'a download is already running');
    this.download = new AbortController();
    let files;
    try {
      files = await downloadHubModel(
        { repo, revision },
        {
          fetch: this.hub.fetch,
          cache: this.hub.cache(),
          signal: this.download.signal,
          // Used for this download's requests and dropped with it; the worker never stores it.
          token,
          onProgress: (p) => this.emit({ type: 'hubProgress', ...p }),
        },
      );
    } catch (error) {
      throw new CodedError('bad-file', (error as Error).message);
    } finally {
      this.download = null;
    }
    return this.load(revision === 'main' ? repo : `${repo}@${revision}`, [...files].map(toFile), { kind: 'hub', repo, revision });
  }

  cancelDownload(): Result<'cancelDownload'> {
    this.download?.abort();
    return { cancelled: this.download !== null };
  }

  /** Bytes a run with these settings needs, and whether that fits (null) or what to shrink. */
  estimateMemory({ settings, budgetBytes, config }: Params<'estimateMemory'>): Result<'estimateMemory'> {
    if (config) checkConfig(config);
    // A config comes with the Hub suggestions, all BF16 checkpoints (suggested-models.ts).
    const estimate = config ? this.estimate({ ...settings, lora: loraRunFor(settings.lora, config) }, config, 'BF16') : this.estimate(settings);
    return { estimate, problem: checkMemoryFits(estimate, { budgetBytes, ...deviceLimits() }) };
  }

  /** Refuses, before any compute, a run that cannot fit; the message says what to shrink. */
  assertFits(settings: DpoSettings, budgetBytes: number): void {
    const problem = checkMemoryFits(this.estimate(settings), { budgetBytes, ...deviceLimits() });
    if (problem) throw new SettingsError('batchSize', problem);
  }

  private estimate(settings: DpoSettings, config: ModelConfig = this.session.modelConfig, dtype = this.session.modelDtype) {
    return estimateTrainingMemory({
      config,
      lora: settings.lora ?? undefined,
      batchSize: settings.batchSize,
      maxLength: settings.maxLength,
      stage: settings.stage,
      referenceCopy: settings.stage !== 'sft' && settings.reference === 'frozen' && !settings.lora,
      optimizerSlots: settings.optimizer === 'rmsprop' ? 1 : 2,
      // Only WebGPU has the fused kernel; elsewhere the portable path holds several [rows, T, V] copies.
      fusedLogProbs: tokenLogProbsPath() === 'fused',
      fusedAttention: causalAttentionPath() === 'fused',
      useWeighting: settings.useWeighting,
      // TrainableWeights packs a LoRA base of a 16-bit checkpoint where the packed kernels exist.
      packedBase: dtype !== 'F32' && packedOpsPath() === 'fused',
    });
  }

  /** The merged model as a Hugging Face folder, zipped, with a model card. */
  async exportHfModel({ settings, float32 }: Params<'exportHfModel'>): Promise<Result<'exportHfModel'>> {
    const state = await this.session.exportState();
    return zipped(this.mergedFolder(state, settings, float32), `${slug(state.model)}-step${state.step}-merged.zip`);
  }

  /** The LoRA adapter alone, in PEFT's layout. */
  async exportAdapter({ settings }: Params<'exportAdapter'>): Promise<Result<'exportAdapter'>> {
    const state = await this.session.exportState();
    if (!state.adapters || !state.lora) throw new CodedError('protocol', 'this run trains all weights; there is no LoRA adapter to export');
    const files = peftAdapterFiles({
      lora: state.lora,
      config: state.config,
      adapters: state.adapters,
      baseModel: state.hf ? baseModelReference(state.hf.origin, state.hf.configJson).id : 'dpo-studio-built-in',
      modelCard: this.card(state, settings),
    });
    return zipped(files, `${slug(state.model)}-step${state.step}-lora.zip`);
  }

  /** Dataset, model reference and a TRL script (DPOTrainer, or KTOTrainer for stage kto) for running the same thing on many GPUs. */
  async exportTrl({ settings }: Params<'exportTrl'>): Promise<Result<'exportTrl'>> {
    const state = await this.session.exportState();
    // A Hub download of the main revision is referenced by its id; anything else (the
    // built-in model, a dropped folder, a pinned revision) travels with the script.
    const origin = state.hf?.origin;
    const hubId = origin?.kind === 'hub' && origin.revision === 'main' ? origin.repo : null;
    const files = trlExportFiles({
      settings,
      lora: settings.lora ?? undefined,
      modelRef: hubId ?? './model',
      conv1d: familyOf(state.config).projectionLayout === 'in_out',
      chatTemplate: state.hf?.chatTemplate,
      pairs: state.dataset.pairs,
      // KTO trains on the unpaired rows and on every pair unpaired: the script's data holds the same rows.
      unpaired: settings.stage === 'kto' ? [...state.dataset.unpaired, ...unpairPairs(state.dataset.pairs)] : undefined,
      datasetName: state.dataset.name,
    });
    if (!hubId) {
      for (const [name, bytes] of this.mergedFolder(state, settings)) files.set(`model/${name}`, bytes);
    }
    return zipped(files, `${slug(state.model)}-continue-in-trl.zip`);
  }

  /** The current weights (LoRA merged) as a Hugging Face folder with its model card. */
  private mergedFolder(state: ExportState, settings: DpoSettings, float32 = false): Map<string, Uint8Array> {
    return hfModelFolderFiles({
      config: state.config,
      dtype: float32 ? 'F32' : (state.hf?.dtype ?? 'F32'),
      baseConfigJson: state.hf?.configJson,
      weights: state.weights,
      tokenizerFiles: state.hf?.tokenizerFiles ?? byteTokenizerFiles(state.config.nPositions),
      generationConfigJson: state.hf?.generationConfigJson,
      modelCard: this.card(state, settings),
    });
  }

  private card(state: ExportState, settings: DpoSettings): string {
    const { steps, values } = state.history;
    const last = steps.length > 0 ? metricRow(values, (steps.length - 1) * METRIC_NAMES.length) : {};
    const finalMetrics = Object.fromEntries(Object.entries(last).filter((e): e is [string, number] => typeof e[1] === 'number'));
    const base = state.hf ? baseModelReference(state.hf.origin, state.hf.configJson) : null;
    return modelCard({
      baseModel: base ? base.id : `DPO Studio built-in (${state.model.preset})`,
      ...(base ? { baseModelNote: base.note } : {}),
      datasetName: state.dataset.name,
      pairCount: state.dataset.pairs.length,
      settings,
      lora: state.lora ?? undefined,
      finalMetrics,
      steps: state.step,
      date: new Date().toISOString().slice(0, 10),
      appVersion: APP_VERSION,
    });
  }
}

/** A model shape sent by the page, checked before anything loops over its layers. */
function checkConfig(config: ModelConfig): void {
  try {
    if (isLlamaConfig(config)) validateLlamaConfig(config);
    else validateGptConfig(config);
  } catch (error) {
    throw new CodedError('protocol', `estimateMemory: ${(error as Error).message}`);
  }
}

/**
 * The LoRA a run on a model not loaded (a suggestion) would use: the settings' own when its
 * targets name that model's modules (or all-linear), else its rank and alpha (or 8 and 16) on
 * the family's default targets; 'all-linear' comes back expanded.
 */
function loraRunFor(lora: LoraConfig | null, config: ModelConfig): LoraConfig {
  const base = lora ?? { ...DEFAULT_LORA, rank: 8, alpha: 16 };
  try {
    return loraForModel(base, config);
  } catch {
    return loraForModel({ ...base, targets: [...familyOf(config).defaultLoraTargets] }, config);
  }
}

function zipped(files: Map<string, Uint8Array>, fileName: string): { fileName: string; zip: ArrayBuffer } {
  // Safetensors do not compress; level 0 keeps a 500 MB export fast.
  const zip = zipSync(Object.fromEntries(files), { level: 0 });
  return { fileName, zip: zip.buffer as ArrayBuffer };
}

function slug(model: ModelInfo): string {
  return (model.hfName ?? `dpo-studio-${model.preset}`).replace(/[^A-Za-z0-9._-]+/g, '-');
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function toFile([name, bytes]: [string, Uint8Array]): { name: string; bytes: ArrayBuffer } {
  const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  return { name, bytes: copy.buffer as ArrayBuffer };
}
