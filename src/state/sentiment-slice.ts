import type { StateCreator } from 'zustand';
import type { FrontierPoint, SentimentResult } from '../core/sentiment/experiment';
import { DEFAULT_SENTIMENT_SETTINGS, type SentimentSettings } from '../core/sentiment/sentiment-settings';
import type { ScoredSample } from '../core/sentiment/scoring';
import type { SentimentPhase } from '../protocol/messages';
import type { Divergence } from '../core/train/divergence';

export interface DemoRun {
  beta: number;
  points: FrontierPoint[];
  /** [step, loss] of each DPO step read back. */
  losses: [number, number][];
  /** The latest evaluation's samples. */
  samples: ScoredSample[];
  /** Where the run stopped at a non-finite loss or gradient norm; null while it is sound. */
  diverged: Divergence | null;
}

export type DemoActivity = 'idle' | 'loading' | SentimentPhase | 'stopping';

export interface DemoProgress {
  phase: SentimentPhase;
  done: number;
  total: number;
  beta?: number;
  /** When this phase started (ms), for the ETA. */
  since: number;
}

export interface SentimentSlice {
  demoActivity: DemoActivity;
  demoSft: { source: string; parameters: number } | null;
  demoProgress: DemoProgress | null;
  demoSftReward: number | null;
  demoSftSamples: ScoredSample[];
  demoSftLosses: [number, number][];
  demoRuns: DemoRun[];
  demoPairs: SentimentResult['pairs'] | null;
  demoSettings: SentimentSettings;
  setDemoActivity(activity: DemoActivity): void;
  setDemoSft(sft: SentimentSlice['demoSft']): void;
  setDemoProgress(progress: Omit<DemoProgress, 'since'>): void;
  setDemoSettings(patch: Partial<SentimentSettings>): void;
  /** A new sweep: curves and points start afresh. */
  resetDemoRuns(): void;
  setDemoSftEvaluation(reward: number, samples: ScoredSample[]): void;
  appendDemoLosses(phase: 'sft' | 'dpo', beta: number | null, losses: [number, number][]): void;
  addDemoPoint(beta: number, point: FrontierPoint, samples: ScoredSample[]): void;
  setDemoPairs(pairs: SentimentResult['pairs']): void;
  setDemoDiverged(beta: number, diverged: Divergence): void;
}

function withRun(runs: DemoRun[], beta: number, change: (run: DemoRun) => DemoRun): DemoRun[] {
  const found = runs.some((r) => r.beta === beta);
  const all = found ? runs : [...runs, { beta, points: [], losses: [], samples: [], diverged: null }];
  return all.map((r) => (r.beta === beta ? change(r) : r));
}

export const createSentimentSlice: StateCreator<SentimentSlice> = (set) => ({
  demoActivity: 'idle',
  demoSft: null,
  demoProgress: null,
  demoSftReward: null,
  demoSftSamples: [],
  demoSftLosses: [],
  demoRuns: [],
  demoPairs: null,
  demoSettings: { ...DEFAULT_SENTIMENT_SETTINGS, betas: [0.1, 1] },
  setDemoActivity: (demoActivity) => set(demoActivity === 'idle' ? { demoActivity, demoProgress: null } : { demoActivity }),
  setDemoSft: (demoSft) => set({ demoSft }),
  setDemoProgress: (p) =>
    set((s) => ({
      demoActivity: s.demoActivity === 'stopping' ? 'stopping' : p.phase,
      demoProgress: {
        ...p,
        since: s.demoProgress?.phase === p.phase && s.demoProgress.beta === p.beta ? s.demoProgress.since : Date.now(),
      },
    })),
  setDemoSettings: (patch) => set((s) => ({ demoSettings: { ...s.demoSettings, ...patch } })),
  resetDemoRuns: () => set({ demoRuns: [], demoSftReward: null, demoSftSamples: [], demoPairs: null }),
  setDemoSftEvaluation: (demoSftReward, demoSftSamples) => set({ demoSftReward, demoSftSamples }),
  appendDemoLosses: (phase, beta, losses) =>
    set((s) =>
      phase === 'sft'
        ? { demoSftLosses: [...s.demoSftLosses, ...losses] }
        : { demoRuns: withRun(s.demoRuns, beta ?? 0, (r) => ({ ...r, losses: [...r.losses, ...losses] })) },
    ),
  addDemoPoint: (beta, point, samples) =>
    set((s) => ({
      demoRuns: withRun(s.demoRuns, beta, (r) => ({
        ...r,
        points: [...r.points, point],
        samples: samples.length > 0 ? samples : r.samples,
      })),
    })),
  setDemoPairs: (demoPairs) => set({ demoPairs }),
  setDemoDiverged: (beta, diverged) => set((s) => ({ demoRuns: withRun(s.demoRuns, beta, (r) => ({ ...r, diverged })) })),
});
