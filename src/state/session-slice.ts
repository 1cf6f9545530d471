import type { StateCreator } from 'zustand';
import type { BackendInfo, DatasetSummary, ErrorCode, ModelInfo, SampleRow, TrainingStatus } from '../protocol/messages';
import { settingsForModel, type SettingsSlice } from './settings-slice';

export type SessionStatus = 'starting' | TrainingStatus;

/** The controlled-sentiment demo (what a new user meets first) or the studio for their own data. */
export type View = 'demo' | 'studio';

export interface AppError {
  message: string;
  code: ErrorCode | 'client';
  field?: string;
}

export interface SessionSlice {
  /** The JSON result of `?bench=` (npm run bench drives the page and reads it). */
  benchResult: string | null;
  view: View;
  setView(view: View): void;
  status: SessionStatus;
  backend: BackendInfo | null;
  model: ModelInfo | null;
  dataset: DatasetSummary | null;
  /** A separate held-out file, when one replaces the seeded split. */
  evalDataset: DatasetSummary | null;
  step: number;
  targetStep: number;
  error: AppError | null;
  /** Greedy completion of the sample prompt by the current model. */
  sample: { prompt: string; completion: string } | null;
  /** Policy vs reference completions at a training step. */
  samples: { step: number; rows: SampleRow[] } | null;
  setStatus(status: SessionStatus, step?: number, targetStep?: number): void;
  setSamples(samples: SessionSlice['samples']): void;
  setBackend(backend: BackendInfo): void;
  /** The loaded model; LoRA targets of another family reset to this one's defaults. */
  setModel(model: ModelInfo): void;
  setDataset(dataset: DatasetSummary): void;
  setEvalDataset(dataset: DatasetSummary | null): void;
  setError(error: AppError | null): void;
  setSample(sample: SessionSlice['sample']): void;
}

// Typed over the settings too: loading a model adapts the LoRA targets in the same update.
export const createSessionSlice: StateCreator<SessionSlice & SettingsSlice, [], [], SessionSlice> = (set) => ({
  benchResult: null,
  view: 'demo',
  setView: (view) => set({ view }),
  status: 'starting',
  backend: null,
  model: null,
  dataset: null,
  evalDataset: null,
  step: 0,
  targetStep: 0,
  error: null,
  sample: null,
  samples: null,
  setStatus: (status, step, targetStep) => set((s) => ({ status, step: step ?? s.step, targetStep: targetStep || s.targetStep })),
  setSamples: (samples) => set({ samples }),
  setBackend: (backend) => set({ backend }),
  setModel: (model) => set((s) => ({ model, step: model.step, settings: settingsForModel(s.settings, model, s.model) })),
  setDataset: (dataset) => set({ dataset }),
  setEvalDataset: (evalDataset) => set({ evalDataset }),
  setError: (error) => set({ error }),
  setSample: (sample) => set({ sample }),
});
