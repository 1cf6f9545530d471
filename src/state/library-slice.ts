import type { StateCreator } from 'zustand';
import type { LibraryEntry } from '../protocol/messages';

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
  /** Pending comparison in the sample-and-compare view. */
  comparison: { prompt: string; first: string; second: string } | null;
  /** One entry per verdict this session: whether it added a pair (undo removes it). */
  verdicts: boolean[];
  setLibrary(library: LibraryEntry[]): void;
  setComparison(comparison: LibrarySlice['comparison']): void;
  setVerdicts(verdicts: boolean[]): void;
}

export const createLibrarySlice: StateCreator<LibrarySlice> = (set) => ({
  pendingMapping: null,
  loading: null,
  setLoading: (loading) => set({ loading }),
  setPendingMapping: (pendingMapping) => set({ pendingMapping }),
  library: [],
  comparison: null,
  verdicts: [],
  setLibrary: (library) => set({ library }),
  setComparison: (comparison) => set({ comparison }),
  setVerdicts: (verdicts) => set({ verdicts }),
});
