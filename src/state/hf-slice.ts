import type { StateCreator } from 'zustand';
import type { MemoryEstimate } from '../core/model/memory-estimate';
import type { HubProgress } from '../protocol/messages';

export type MemoryAnswer = { estimate: MemoryEstimate; problem: string | null };

/**
 * Hugging Face models: the Hub download in flight and the memory estimates of the current
 * settings, for the loaded model and for each suggested model. (The Hub access token is not
 * here: it stays in client/hub-token.ts, out of every state snapshot.)
 */
export interface HfSlice {
  hubProgress: HubProgress | null;
  setHubProgress(progress: HubProgress | null): void;
  /** The repo being downloaded (from the form or a suggestion), while it is. */
  hubDownload: string | null;
  setHubDownload(repo: string | null): void;
  memory: MemoryAnswer | null;
  setMemory(memory: HfSlice['memory']): void;
  /** A LoRA run's estimate for each suggested model by repo, at the current settings. */
  suggestionMemory: Record<string, MemoryAnswer>;
  setSuggestionMemory(memory: Record<string, MemoryAnswer>): void;
}

export const createHfSlice: StateCreator<HfSlice> = (set) => ({
  hubProgress: null,
  setHubProgress: (hubProgress) => set({ hubProgress }),
  hubDownload: null,
  setHubDownload: (hubDownload) => set({ hubDownload }),
  memory: null,
  setMemory: (memory) => set({ memory }),
  suggestionMemory: {},
  setSuggestionMemory: (suggestionMemory) => set({ suggestionMemory }),
});
