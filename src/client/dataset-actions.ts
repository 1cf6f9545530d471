/**
 * Datasets from the page's side: files go to the worker as handles (streamed there), and
 * the worker keeps, searches, edits and saves the rows; the page holds summaries and the
 * rows on screen.
 */
import type { DatasetStats } from '../core/data/dataset-stats';
import type { ColumnMapping } from '../core/data/normalize-row';
import type { PreferencePair } from '../core/data/preference-pairs';
import type { DatasetState, Result } from '../protocol/messages';
import { pairFromVerdict, type Verdict } from '../state/labelling';
import type { DatasetSource } from '../state/library-slice';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';
import { download } from './download';

export const DEMO_DATASET_URL = 'demo/preferences.jsonl';
const DEMO_NAME = 'demo: movie reviews (built in)';

/** A worker answer about the datasets into the store (the active summary and the library). */
export function show(state: DatasetState): void {
  const store = useStore.getState();
  store.setLibrary(state.library);
  if (state.summary) store.setDataset(state.summary);
}

/** Datasets the user has loaded in this page: a file dropped while the demo loads wins over it. */
let userLoads = 0;

/** On start: the dataset active before the reload, else the built-in demo. */
export async function restoreOrLoadDemo(): Promise<void> {
  const loadsBefore = userLoads;
  const restored = await worker().call('restoreDataset', {});
  if (userLoads !== loadsBefore) return;
  if (restored.summary) return show(restored);
  useStore.getState().setLibrary(restored.library);
  const response = await fetch(DEMO_DATASET_URL);
  if (!response.ok) throw new Error(`the built-in demo dataset could not be read (${response.status})`);
  const file = await response.blob();
  if (userLoads !== loadsBefore) return;
  let result;
  try {
    result = await worker().call('loadDataset', { name: DEMO_NAME, file, role: 'train', persist: false });
  } finally {
    useStore.getState().setLoading(null); // progress events of this read may have set it
  }
  if (result.kind !== 'loaded') throw new Error('the built-in demo dataset has unexpected columns');
  if (userLoads === loadsBefore) show(result);
}

const mappingKey = (columns: string[]) => `dpo-studio:mapping:${[...columns].sort().join('|')}`;

function rememberedMapping(columns: string[]): ColumnMapping | undefined {
  try {
    const saved = localStorage.getItem(mappingKey(columns));
    return saved ? (JSON.parse(saved) as ColumnMapping) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a file in the worker. When its columns fit no known schema, a mapping remembered
 * for files of the same shape is applied; otherwise the mapping dialog opens and null is
 * returned (the dialog's choice reruns this with `mapping`).
 */
async function parseFile(
  source: DatasetSource,
  mapping?: ColumnMapping,
): Promise<Extract<Result<'loadDataset'>, { kind: 'loaded' }> | null> {
  useStore.getState().setLoading({ name: source.name, done: 0, total: source.file.size });
  let result;
  try {
    result = await worker().call('loadDataset', { name: source.name, file: source.file, role: source.role, mapping });
  } finally {
    useStore.getState().setLoading(null);
  }
  if (result.kind === 'loaded') return result;
  const remembered = rememberedMapping(result.columns);
  if (remembered) return parseFile(source, remembered);
  useStore.getState().setPendingMapping({ source, columns: result.columns, sample: result.sample });
  return null;
}

/** A dropped or picked dataset file: streamed and parsed in the worker, saved in the browser, made active. */
export async function loadDatasetSource(source: DatasetSource, mapping?: ColumnMapping): Promise<void> {
  userLoads++;
  const result = await parseFile(source, mapping);
  if (!result) return;
  show(result);
  useStore.getState().setVerdicts([]);
}

/** The mapping dialog's answer: remembered for files of this shape, then the file is read with it. */
export async function applyMapping(mapping: ColumnMapping): Promise<void> {
  const pending = useStore.getState().pendingMapping;
  if (!pending) return;
  useStore.getState().setPendingMapping(null);
  try {
    localStorage.setItem(mappingKey(pending.columns), JSON.stringify(mapping));
  } catch {
    // storage unavailable: the mapping still applies to this file
  }
  await guarded(() =>
    pending.source.role === 'eval' ? openEvalSource(pending.source, mapping) : loadDatasetSource(pending.source, mapping),
  );
}

/** A separate held-out file: evaluation uses it instead of the seeded split. */
export async function openEvalFile(file: File): Promise<void> {
  useStore.getState().setError(null);
  await guarded(() => openEvalSource({ name: file.name, role: 'eval', file }));
}

async function openEvalSource(source: DatasetSource, mapping?: ColumnMapping): Promise<void> {
  const result = await parseFile(source, mapping);
  if (result?.summary) useStore.getState().setEvalDataset(result.summary);
}

export async function clearEvalFile(): Promise<void> {
  await guarded(async () => {
    await worker().call('clearEvalDataset', {});
    useStore.getState().setEvalDataset(null);
  });
}

export async function activateDataset(id: string): Promise<void> {
  await guarded(async () => show(await worker().call('activateDataset', { id })));
}

export async function removeDataset(id: string): Promise<void> {
  await guarded(async () => {
    const state = await worker().call('deleteDataset', { id });
    if (state.summary) show(state);
    else {
      useStore.getState().setLibrary(state.library);
      await restoreOrLoadDemo();
    }
  });
}

/** The active dataset as standard JSONL (built in the worker), which TRL loads as it is. */
export async function exportActiveDataset(): Promise<void> {
  await guarded(async () => {
    const { fileName, jsonl } = await worker().call('exportDataset', {});
    download(fileName, jsonl, 'application/jsonl');
  });
}

/** The skipped and flagged rows of the last file, to fix at the source. */
export async function downloadProblems(): Promise<void> {
  await guarded(async () => {
    const { fileName, jsonl } = await worker().call('exportProblems', {});
    download(fileName, jsonl, 'application/jsonl');
  });
}

/** Pasted JSONL text, read like a dropped file. */
export async function loadPastedText(text: string): Promise<void> {
  useStore.getState().setError(null);
  await guarded(() => loadDatasetSource({ name: 'pasted.jsonl', role: 'train', file: new Blob([text], { type: 'application/jsonl' }) }));
}

export function queryPairs(query: string, offset: number, limit: number) {
  return worker().call('queryPairs', { query, offset, limit });
}

/** Length histograms and truncation at the given limits, computed in the worker. */
export function describeActiveDataset(maxLength: number, maxPromptLength: number): Promise<DatasetStats> {
  return worker().call('describeDataset', { maxLength, maxPromptLength });
}

/** Edits and deletions make earlier verdicts un-undoable. */
export async function editPair(index: number, pair: PreferencePair): Promise<void> {
  await guarded(async () => {
    show(await worker().call('editPair', { index, pair }));
    useStore.getState().setVerdicts([]);
  });
}

export async function deletePair(index: number): Promise<void> {
  await guarded(async () => {
    show(await worker().call('deletePair', { index }));
    useStore.getState().setVerdicts([]);
  });
}

/** A verdict on two responses; a preferred one adds a pair to the active dataset. */
export async function label(prompt: string, first: string, second: string, verdict: Verdict): Promise<void> {
  await guarded(async () => {
    const pair = pairFromVerdict(prompt, first, second, verdict);
    if (pair) show(await worker().call('addPair', { pair }));
    const { verdicts, setVerdicts } = useStore.getState();
    setVerdicts([...verdicts, pair !== null]);
  });
}

/** Takes back the last verdict (and the pair it added). */
export async function undoLabel(): Promise<void> {
  await guarded(async () => {
    const { verdicts, setVerdicts } = useStore.getState();
    if (verdicts.length === 0) return;
    if (verdicts[verdicts.length - 1]) show(await worker().call('removeLastPair', {}));
    setVerdicts(verdicts.slice(0, -1));
  });
}

let upcoming: { prompt: string; completions: Promise<[string, string]> } | null = null;
let draws = 0;

function drawTwo(prompt: string): Promise<[string, string]> {
  const { settings } = useStore.getState();
  const options = {
    maxNewTokens: settings.maxNewTokens,
    temperature: Math.max(settings.temperature, 0.7),
    topK: settings.topK,
    topP: settings.topP,
  };
  return worker()
    .call('sampleTwo', { prompt, options, seed: settings.seed + draws++ })
    .then((r) => r.completions);
}

/**
 * Shows the next comparison for `prompt`. The one after it is sampled while the user reads
 * this one, so after a verdict the next comparison is usually ready at once.
 */
export async function nextComparison(prompt: string): Promise<void> {
  await guarded(async () => {
    const pending = upcoming?.prompt === prompt ? upcoming.completions : drawTwo(prompt);
    upcoming = null;
    const [first, second] = await pending;
    useStore.getState().setComparison({ prompt, first, second });
    upcoming = { prompt, completions: drawTwo(prompt) };
    upcoming.completions.catch(() => (upcoming = null));
  });
}
