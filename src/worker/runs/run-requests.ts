import { buildRunBundle, zipBundle } from '../../core/io/run-bundle';
import { decodeCheckpoint } from '../../core/train/checkpoint-file';
import type { Params, Result, RunList } from '../../protocol/messages';
import { CodedError } from '../errors';
import { mergeLoraWeights } from '../../core/model/lora';
import { asGptConfig, familyOf } from '../../core/model/causal-lm';
import { summarize } from './run-recorder';
import type { RunStorage } from './run-storage';

/** Storage used and available to this origin, where the runtime can say. */
async function storageEstimate(): Promise<RunList['storage']> {
  const storage = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }> } } }).navigator
    ?.storage;
  if (!storage?.estimate) return null;
  const { usage, quota } = await storage.estimate().catch(() => ({ usage: undefined, quota: undefined }));
  return usage === undefined || quota === undefined ? null : { usage, quota };
}

/** The saved-runs requests: list, curves, rename, delete, export. */
export class RunRequests {
  constructor(
    private readonly storage: RunStorage,
    /** The id of the run training now (it cannot be deleted under its own feet). */
    private readonly activeRunId: () => string | null,
  ) {}

  async list(): Promise<RunList> {
    const runs = (await this.storage.list()).map(summarize);
    return { runs, storage: await storageEstimate() };
  }

  async history({ ids }: Params<'runHistory'>): Promise<Result<'runHistory'>> {
    const runs = [];
    for (const id of ids) {
      const record = await this.storage.get(id);
      if (record) runs.push({ id, steps: record.history.steps, values: record.history.values });
    }
    return { runs };
  }

  async rename({ id, name }: Params<'renameRun'>): Promise<RunList> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 200) throw new CodedError('bad-setting', 'a run name must have 1 to 200 characters');
    const record = await this.storage.get(id);
    if (!record) throw new CodedError('protocol', 'that run is no longer saved in this browser');
    await this.storage.put({ ...record, name: trimmed });
    return this.list();
  }

  async remove({ id }: Params<'deleteRun'>): Promise<RunList> {
    if (id === this.activeRunId())
      throw new CodedError('busy', 'this run is the current one; start another run (or reload) before deleting it');
    await this.storage.remove(id);
    return this.list();
  }

  async export({ id, appVersion }: Params<'exportRun'>): Promise<Result<'exportRun'>> {
    const record = await this.storage.get(id);
    const bytes = await this.storage.checkpoint(id);
    if (!record || !bytes || !record.checkpoint) throw new CodedError('bad-file', 'that run has no saved checkpoint to export');
    let snapshot;
    try {
      snapshot = decodeCheckpoint(bytes).snapshot;
    } catch (error) {
      throw new CodedError('bad-file', `run "${record.name}": ${(error as Error).message}`);
    }
    if (record.model.hfName) {
      // The run keeps weights, not the model's tokenizer and config files: those come with the model.
      throw new CodedError(
        'bad-file',
        `run "${record.name}" trained the Hugging Face model "${record.model.hfName}": load that model, resume the run and use the Export panel, which writes its tokenizer and config with the weights`,
      );
    }
    const lora = record.settings.lora;
    const config = asGptConfig(record.config, 'a run bundle');
    const weights = snapshot.base && lora ? mergeLoraWeights(snapshot.base, snapshot.policy, lora, familyOf(config).projectionLayout) : snapshot.policy;
    const files = buildRunBundle(config, weights, record.history, {
      app: 'DPO Studio',
      version: appVersion,
      preset: record.model.preset,
      backend: record.backend,
      step: snapshot.step,
      settings: { ...record.settings },
      status: record.status,
      ...(record.diverged ? { diverged: record.diverged } : {}),
      dataset: { name: record.dataset.name, pairs: record.dataset.pairs },
      createdAt: record.createdAt,
    });
    const zip = zipBundle(files);
    const safeName =
      record.name
        .replace(/[^\w.-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 60) || record.id;
    return { fileName: `${safeName}-step${snapshot.step}.zip`, zip: zip.buffer as ArrayBuffer };
  }
}
