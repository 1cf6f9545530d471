import type { StateCreator } from 'zustand';
import type { RunList, RunSummary } from '../protocol/messages';

export interface RunsSlice {
  runs: RunSummary[];
  storage: RunList['storage'];
  /** A run the last session left "running" (tab closed, crash): offered for resuming. */
  interrupted: RunSummary | null;
  /** Runs whose loss curves are overlaid, with their curves. */
  compared: { id: string; name: string; steps: number[]; values: number[] }[];
  /** Something to know that is not an error (skipped steps, storage full). */
  notice: string | null;
  /** The worker died (crash, GPU device lost): what happened, until it is restarted. */
  workerLost: string | null;
  setRuns(list: RunList): void;
  upsertRun(run: RunSummary): void;
  setInterrupted(run: RunSummary | null): void;
  setCompared(compared: RunsSlice['compared']): void;
  setNotice(notice: string | null): void;
  setWorkerLost(message: string | null): void;
}

export const createRunsSlice: StateCreator<RunsSlice> = (set) => ({
  runs: [],
  storage: null,
  interrupted: null,
  compared: [],
  notice: null,
  workerLost: null,
  setRuns: ({ runs, storage }) =>
    set((s) => ({ runs, storage: storage ?? s.storage, compared: s.compared.filter((c) => runs.some((r) => r.id === c.id)) })),
  upsertRun: (run) =>
    set((s) => ({ runs: s.runs.some((r) => r.id === run.id) ? s.runs.map((r) => (r.id === run.id ? run : r)) : [run, ...s.runs] })),
  setInterrupted: (interrupted) => set({ interrupted }),
  setCompared: (compared) => set({ compared }),
  setNotice: (notice) => set({ notice }),
  setWorkerLost: (workerLost) => set({ workerLost }),
});
