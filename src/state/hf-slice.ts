import type { StateCreator } from 'zustand';
import type { MemoryEstimate } from '../core/model/memory-estimate';
import type { HubProgress } from '../worker/hub/hub-download';

/** Hugging Face models: the Hub download in flight and the memory estimate of the current settings. */
export interface HfSlice {
  hubProgress: HubProgress | null;
  setHubProgress(progress: HubProgress | null): void;
  memory: { estimate: MemoryEstimate; problem: string | null } | null;
  setMemory(memory: HfSlice['memory']): void;
}

export const createHfSlice: StateCreator<HfSlice> = (set) => ({
  hubProgress: null,
  setHubProgress: (hubProgress) => set({ hubProgress }),
  memory: null,
  setMemory: (memory) => set({ memory }),
});
