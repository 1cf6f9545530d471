import type { HostWeights } from '../../core/model/gpt-weights';
import { decodeCheckpoint } from '../../core/train/checkpoint-file';
import type { TrainerSnapshot } from '../../core/train/trainer';
import { METRIC_COUNT } from '../../core/train/metric-names';
import { withLossOptionDefaults } from '../../core/train/settings';
import type { DatasetState, RunRecord } from '../../protocol/messages';
import type { TrainingData } from '../datasets/dataset-requests';
import type { CurrentModel } from '../models/current-model';
import { CodedError } from '../errors';
import type { RunStorage } from './run-storage';

/** A saved run that can continue here: its record, its last checkpoint and what it resumes on. */
export interface ResumableRun {
  record: RunRecord;
  snapshot: TrainerSnapshot;
  /** A LoRA run's frozen base: from its checkpoint, or the Hugging Face model loaded again. Null without LoRA. */
  base: HostWeights | null;
  /** Set when the run's dataset had to be made active again. */
  dataset?: DatasetState;
}

/**
 * Reads a saved run back and checks it can continue: a checkpoint that decodes, its dataset
 * (activated when it is saved but not active), its model loaded. Each refusal says what to
 * do; nothing current changes unless the run's dataset is activated.
 */
export async function loadResumableRun(id: string, storage: RunStorage, data: TrainingData, model: CurrentModel): Promise<ResumableRun> {
  const stored = await storage.get(id);
  if (!stored) throw new CodedError('protocol', 'that run is no longer saved in this browser');
  // A run saved before the newer loss options resumes with them at their (old-behaviour) defaults.
  const record: RunRecord = { ...stored, settings: withLossOptionDefaults(stored.settings) };
  const bytes = await storage.checkpoint(id);
  if (!bytes || !record.checkpoint) throw new CodedError('bad-file', `run "${record.name}" has no checkpoint to resume from`);
  let snapshot;
  try {
    snapshot = decodeCheckpoint(bytes).snapshot;
  } catch (error) {
    throw new CodedError('bad-file', `run "${record.name}": ${(error as Error).message}. Its settings and curves are kept, but it cannot be resumed.`);
  }
  let dataset: DatasetState | undefined;
  if (record.dataset.id && record.dataset.id !== 'demo' && record.dataset.id !== data.id) {
    dataset = await data.activateForRun(record.dataset.id).catch(() => {
      throw new CodedError('no-dataset', `the dataset run "${record.name}" trained on ("${record.dataset.name}") is no longer saved; load it again to resume`);
    });
  }
  if (data.pairs.length !== record.dataset.pairs) {
    throw new CodedError(
      'no-dataset',
      `run "${record.name}" trained on "${record.dataset.name}" (${record.dataset.pairs} pairs); the active dataset has ${data.pairs.length}. Load that dataset to resume.`,
    );
  }
  if ((record.model.hfName ?? null) !== (model.info.hfName ?? null)) {
    const need = record.model.hfName ? `load the Hugging Face model "${record.model.hfName}"` : 'switch back to the built-in model';
    throw new CodedError('no-dataset', `run "${record.name}" trained ${record.model.hfName ?? 'the built-in model'}; ${need} to resume it`);
  }
  // A LoRA run on a Hugging Face model saved only its adapters: the base is the loaded model.
  const base = record.settings.lora ? (snapshot.base ?? model.loadedHfWeights) : null;
  if (record.settings.lora && !base) throw new CodedError('bad-file', `run "${record.name}": its checkpoint holds no base weights to resume on`);
  return { record, snapshot, base, ...(dataset ? { dataset } : {}) };
}

/** The curves up to the checkpoint's step: what a resumed run continues from. */
export function historyUpTo(history: RunRecord['history'], step: number): RunRecord['history'] {
  const keep = history.steps.findIndex((s) => s > step);
  const rows = keep < 0 ? history.steps.length : keep;
  return { steps: history.steps.slice(0, rows), values: history.values.slice(0, rows * METRIC_COUNT) };
}
