/**
 * Datasets on the page: loading files (parsed in the worker), saving them in the browser,
 * switching between saved ones, exporting as JSONL, and growing the active one by labelling.
 */
import type { PreferencePair } from '../core/data/preference-pairs';
import type { DatasetSummary } from '../protocol/messages';
import type { DatasetStats } from '../core/data/dataset-stats';
import type { ColumnMapping } from '../core/data/normalize-row';
import type { DatasetSource } from '../state/library-slice';
import { pairFromVerdict, type Verdict } from '../state/labelling';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';
import * as db from './dataset-db';

export const DEMO_DATASET_URL = 'demo/preferences.jsonl';
const DEMO_NAME = 'demo: movie reviews (built in)';

function summarize(name: string, format: string, pairs: PreferencePair[]): DatasetSummary {
  const flaggedCount = pairs.filter((p) => p.chosen === p.rejected).length;
  return { name, format, rows: pairs.length, pairs: pairs.length, problems: [], invalidCount: 0, flaggedCount, preview: pairs.slice(0, 5) };
}

async function refreshLibrary(): Promise<void> {
  const saved = await db.listDatasets();
  useStore.getState().setLibrary(saved.map((d) => ({ id: d.id, name: d.name, format: d.format, count: d.pairs.length })));
}

/** Persistence is best effort: without browser storage the app keeps working in memory. */
async function persist(task: () => Promise<void>): Promise<void> {
  try {
    await task();
    await refreshLibrary();
  } catch (error) {
    useStore.getState().setError({ message: `${(error as Error).message}; the dataset is kept in memory only`, code: 'client' });
  }
}

/** Makes a saved dataset the one training uses. */
export async function activateDataset(id: string): Promise<void> {
  await guarded(async () => {
    const record = await db.getDataset(id);
    if (!record) throw new Error('that dataset is no longer saved in this browser');
    await worker().call('usePairs', { name: record.name, pairs: record.pairs });
    const store = useStore.getState();
    store.setActive(record.id, record.pairs);
    store.setDataset(summarize(record.name, record.format, record.pairs));
    await db.setActiveDatasetId(record.id);
  });
}

/** On start: the dataset active before the reload, else the built-in demo. */
export async function restoreOrLoadDemo(): Promise<void> {
  let activeId: string | undefined;
  try {
    await refreshLibrary();
    activeId = await db.getActiveDatasetId();
  } catch {
    activeId = undefined; // no browser storage: start from the demo
  }
  if (activeId && (await db.getDataset(activeId).catch(() => undefined))) return activateDataset(activeId);
  const response = await fetch(DEMO_DATASET_URL);
  if (!response.ok) throw new Error(`the built-in demo dataset could not be read (${response.status})`);
  const result = await worker().call('loadDataset', { name: DEMO_NAME, file: await response.blob(), role: 'train' });
  if (result.kind !== 'loaded') throw new Error('the built-in demo dataset has unexpected columns');
  useStore.getState().setDataset(result.summary);
  useStore.getState().setActive(null, result.pairs);
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
 * Parses a file in the worker. When its columns fit no known schema, a mapping remembered
 * for files of the same shape is applied; otherwise the mapping dialog opens and null is
 * returned (the dialog's choice reruns this with `mapping`).
 */
async function parseFile(source: DatasetSource, mapping?: ColumnMapping) {
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
  await guarded(() => (pending.source.role === 'eval' ? openEvalSource(pending.source, mapping) : loadDatasetSource(pending.source, mapping)));
}

/** A dropped or picked dataset file: parsed in the worker, saved in the browser, made active. */
export async function loadDatasetSource(source: DatasetSource, mapping?: ColumnMapping): Promise<void> {
  const result = await parseFile(source, mapping);
  if (!result) return;
  const { summary, pairs } = result;
  const name = source.name;
  const store = useStore.getState();
  const id = crypto.randomUUID();
  store.setDataset(summary);
  store.setActive(id, pairs);
  store.setVerdicts([]);
  await persist(async () => {
    await db.saveDataset({ id, name, format: summary.format, pairs, updatedAt: new Date().toISOString() });
    await db.setActiveDatasetId(id);
  });
}

/** A separate held-out file: evaluation uses it instead of the seeded split. */
export async function openEvalFile(file: File): Promise<void> {
  useStore.getState().setError(null);
  await guarded(() => openEvalSource({ name: file.name, role: 'eval', file }));
}

async function openEvalSource(source: DatasetSource, mapping?: ColumnMapping): Promise<void> {
  const result = await parseFile(source, mapping);
  if (result) useStore.getState().setEvalDataset(result.summary);
}

export async function clearEvalFile(): Promise<void> {
  await guarded(async () => {
    await worker().call('clearEvalDataset', {});
    useStore.getState().setEvalDataset(null);
  });
}

export async function removeDataset(id: string): Promise<void> {
  await persist(() => db.deleteDataset(id));
  if (useStore.getState().activeDatasetId === id) {
    const next = useStore.getState().library[0];
    if (next) await activateDataset(next.id);
    else await guarded(restoreOrLoadDemo);
  }
}

/** The active dataset as standard JSONL, which TRL loads as it is. */
export function exportActiveDataset(): void {
  const { activePairs, dataset } = useStore.getState();
  const text = activePairs.map((p) => JSON.stringify({ prompt: p.prompt, chosen: p.chosen, rejected: p.rejected })).join('\n') + '\n';
  const url = URL.createObjectURL(new Blob([text], { type: 'application/jsonl' }));
  const base = (dataset?.name ?? 'dataset').replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '-');
  const link = Object.assign(document.createElement('a'), { href: url, download: `${base}.jsonl` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Replaces the active pairs, saves them (the demo becomes a saved copy) and hands them to the worker. */
async function updateActivePairs(pairs: PreferencePair[]): Promise<void> {
  const store = useStore.getState();
  const name = store.activeDatasetId ? (store.dataset?.name ?? 'labelled pairs') : `${DEMO_NAME} + labelled`;
  const id = store.activeDatasetId ?? crypto.randomUUID();
  const format = store.dataset?.format ?? 'labelled';
  store.setActive(id, pairs);
  store.setDataset(summarize(name, format, pairs));
  await worker().call('usePairs', { name, pairs });
  await persist(async () => {
    await db.saveDataset({ id, name, format, pairs, updatedAt: new Date().toISOString() });
    await db.setActiveDatasetId(id);
  });
}

/** Length histograms and truncation at the given limits, computed in the worker. */
export function describeActiveDataset(maxLength: number, maxPromptLength: number): Promise<DatasetStats> {
  return worker().call('describeDataset', { maxLength, maxPromptLength });
}

/** Replaces pair `index` of the active dataset (edits make earlier verdicts un-undoable). */
export async function editPair(index: number, pair: PreferencePair): Promise<void> {
  await guarded(async () => {
    const pairs = useStore.getState().activePairs.slice();
    pairs[index] = pair;
    await updateActivePairs(pairs);
    useStore.getState().setVerdicts([]);
  });
}

export async function deletePair(index: number): Promise<void> {
  await guarded(async () => {
    const pairs = useStore.getState().activePairs.filter((_, i) => i !== index);
    if (pairs.length === 0) throw new Error('a dataset needs at least one pair; delete the dataset instead');
    await updateActivePairs(pairs);
    useStore.getState().setVerdicts([]);
  });
}

/** A verdict on two responses; a preferred one adds a pair to the active dataset. */
export async function label(prompt: string, first: string, second: string, verdict: Verdict): Promise<void> {
  await guarded(async () => {
    const pair = pairFromVerdict(prompt, first, second, verdict);
    const { activePairs, verdicts, setVerdicts } = useStore.getState();
    if (pair) await updateActivePairs([...activePairs, pair]);
    setVerdicts([...verdicts, pair !== null]);
  });
}

/** Takes back the last verdict (and the pair it added). */
export async function undoLabel(): Promise<void> {
  await guarded(async () => {
    const { verdicts, activePairs, setVerdicts } = useStore.getState();
    if (verdicts.length === 0) return;
    if (verdicts[verdicts.length - 1]) await updateActivePairs(activePairs.slice(0, -1));
    setVerdicts(verdicts.slice(0, -1));
  });
}

/** Samples the next comparison: two completions of `prompt` by the current policy. */
export async function nextComparison(prompt: string): Promise<void> {
  await guarded(async () => {
    const { settings, verdicts } = useStore.getState();
    const options = { maxNewTokens: settings.maxNewTokens, temperature: Math.max(settings.temperature, 0.7), topK: settings.topK, topP: settings.topP };
    const { completions } = await worker().call('sampleTwo', { prompt, options, seed: settings.seed + verdicts.length });
    useStore.getState().setComparison({ prompt, first: completions[0], second: completions[1] });
  });
}
