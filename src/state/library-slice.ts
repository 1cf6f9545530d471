import type { StateCreator } from 'zustand';
import type { PreferencePair } from '../core/data/preference-pairs';

export interface LibraryEntry {
  id: string;
  name: string;
  format: string;
  count: number;
}

/** A file to read in the worker (a File is a handle: reading it again after mapping columns costs no copy). */
export interface DatasetSource {
  name: string;
  role: 'train' | 'eval';
  file: Blob;
}

export interface PendingMapping {
  source: DatasetSource;
  columns: string[];
  sample: Record<string, string>;
}

export interface LibrarySlice {
  /** A file whose columns the user is asked to map. */
  pendingMapping: PendingMapping | null;
  /** Reading progress of a dataset file, while one loads. */
  loading: { name: string; done: number; total: number } | null;
  setLoading(loading: LibrarySlice['loading']): void;
  setPendingMapping(pending: PendingMapping | null): void;
  /** Datasets saved in the browser, newest first. */
  library: LibraryEntry[];
  /** The saved dataset training uses; null for the built-in demo (not saved until labelled). */
  activeDatasetId: string | null;
  /** The pairs training uses (the page's copy: labelling appends here, then the worker gets them). */
  activePairs: PreferencePair[];
  /** Pending comparison in the sample-and-compare view. */
  comparison: { prompt: string; first: string; second: string } | null;
  /** One entry per verdict this session: whether it added a pair (undo removes it). */
  verdicts: boolean[];
  setLibrary(library: LibraryEntry[]): void;
  setActive(id: string | null, pairs: PreferencePair[]): void;
  setComparison(comparison: LibrarySlice['comparison']): void;
  setVerdicts(verdicts: boolean[]): void;
}

export const createLibrarySlice: StateCreator<LibrarySlice> = (set) => ({
  pendingMapping: null,
  loading: null,
  setLoading: (loading) => set({ loading }),
  setPendingMapping: (pendingMapping) => set({ pendingMapping }),
  library: [],
  activeDatasetId: null,
  activePairs: [],
  comparison: null,
  verdicts: [],
  setLibrary: (library) => set({ library }),
  setActive: (activeDatasetId, activePairs) => set({ activeDatasetId, activePairs }),
  setComparison: (comparison) => set({ comparison }),
  setVerdicts: (verdicts) => set({ verdicts }),
});
