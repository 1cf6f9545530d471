import type { Trainer } from '../../core/train/trainer';
import { encodeCheckpoint } from '../../core/train/checkpoint-file';
import { metricRow, METRIC_COUNT } from '../../core/train/metric-names';
import type { RunRecord, RunStatus, RunSummary, WorkerEvent } from '../../protocol/messages';
import type { RunStorage } from './run-storage';
import { isQuotaError } from '../indexed-db';

/** Without a step interval, a checkpoint at most this often (the "about once a minute"). */
export const CHECKPOINT_INTERVAL_MS = 60_000;

export function summarize({ history, ...rest }: RunRecord): RunSummary {
  const n = history.values.length / METRIC_COUNT;
  return { ...rest, final: n > 0 ? metricRow(history.values, (n - 1) * METRIC_COUNT) : null };
}

/**
 * Saves the current run: its record when it starts and ends, and a checkpoint every
 * `checkpointEvery` steps (else about once a minute) and on stop. A full disk does not stop
 * training: the user is told once and the run goes on in memory.
 */
export class RunRecorder {
  private record: RunRecord | null = null;
  private lastSavedAt = 0;
  private quotaWarned = false;

  constructor(
    private readonly storage: RunStorage,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): RunRecord | null {
    return this.record;
  }

  /** A new run: saved at once with status "running", so a crash leaves a trace to resume from. */
  async begin(record: Omit<RunRecord, 'id' | 'name' | 'createdAt' | 'updatedAt' | 'status' | 'checkpoint'>): Promise<void> {
    const created = new Date(this.now());
    const id = `run-${created.getTime().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
    const name = `${record.settings.stage.toUpperCase()} ${record.model.preset} β=${record.settings.beta} · ${created.toISOString().slice(0, 16).replace('T', ' ')}`;
    this.record = {
      ...record,
      id,
      name,
      createdAt: created.toISOString(),
      updatedAt: created.toISOString(),
      status: 'running',
      checkpoint: null,
    };
    this.lastSavedAt = this.now();
    this.quotaWarned = false;
    await this.save(null);
  }

  /** Continues a saved run (resume): later saves update the same record. */
  adopt(record: RunRecord): void {
    this.record = record;
    this.lastSavedAt = this.now();
    this.quotaWarned = false;
  }

  forget(): void {
    this.record = null;
  }

  /** After each metrics read-back: a checkpoint when one is due. */
  async progress(trainer: Trainer, history: RunRecord['history']): Promise<void> {
    if (!this.record) return;
    const every = trainer.currentSettings.checkpointEvery;
    const lastStep = this.record.checkpoint?.step ?? 0;
    const due = every > 0 ? trainer.step - lastStep >= every : this.now() - this.lastSavedAt >= CHECKPOINT_INTERVAL_MS;
    if (due && trainer.step > lastStep) await this.checkpoint(trainer, history, 'running');
  }

  /**
   * The run ends or pauses. A diverged run keeps its last good checkpoint (the weights now
   * hold NaN); otherwise the final state is checkpointed.
   */
  async finish(
    trainer: Trainer,
    history: RunRecord['history'],
    status: RunStatus,
    diverged?: { step: number; metric: string },
  ): Promise<void> {
    if (!this.record) return;
    if (status === 'diverged') {
      this.record = {
        ...this.record,
        status,
        diverged,
        step: trainer.step,
        history: copy(history),
        updatedAt: new Date(this.now()).toISOString(),
      };
      await this.save(null);
    } else await this.checkpoint(trainer, history, status);
  }

  private async checkpoint(trainer: Trainer, history: RunRecord['history'], status: RunStatus): Promise<void> {
    const record = this.record!;
    const savedAt = new Date(this.now()).toISOString();
    const bytes = encodeCheckpoint(await trainer.snapshot(), { runId: record.id });
    const next: RunRecord = {
      ...record,
      status,
      step: trainer.step,
      history: copy(history),
      updatedAt: savedAt,
      checkpoint: { step: trainer.step, bytes: bytes.byteLength, savedAt },
    };
    this.lastSavedAt = this.now();
    if (await this.save(bytes, next)) this.record = next;
    else this.record = { ...next, checkpoint: record.checkpoint };
  }

  /** @returns whether it was saved */
  private async save(checkpoint: Uint8Array | null, record = this.record!): Promise<boolean> {
    try {
      if (checkpoint) await this.storage.putWithCheckpoint(record, checkpoint);
      else await this.storage.put(record);
      this.emit({ type: 'runSaved', run: summarize(record) });
      return true;
    } catch (error) {
      if (!this.quotaWarned) {
        this.quotaWarned = true;
        const why = isQuotaError(error) ? 'browser storage is full' : `browser storage failed (${(error as Error).message})`;
        this.emit({
          type: 'notice',
          message: `Could not save a checkpoint: ${why}. Training goes on in memory; delete old runs to free space.`,
        });
      }
      return false;
    }
  }
}

function copy(history: RunRecord['history']): RunRecord['history'] {
  return { steps: history.steps.slice(), values: history.values.slice() };
}
