/**
 * Hugging Face models from the page: a dropped folder, a Hub download, the memory estimate
 * of the current settings, and the exports (merged folder, PEFT adapter, Continue in TRL).
 */
import type { ModelInfo } from '../protocol/messages';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';
import { isHfModelFileName } from '../core/io/hf-file-names';
import { unzipSync } from 'fflate';
import { download } from './download';
import { hubToken } from './hub-token';
import { SUGGESTED_MODELS } from '../core/model/suggested-models';

/** A drop is a model folder when it brings config.json, tokenizer.json and safetensors weights. */
export function looksLikeHfModel(files: readonly File[]): boolean {
  const names = new Set(files.map((f) => f.name));
  return names.has('config.json') && names.has('tokenizer.json') && files.some((f) => f.name.endsWith('.safetensors'));
}

function adopt(model: ModelInfo): void {
  const store = useStore.getState();
  store.setModel(model); // resets LoRA targets of another family to this model's defaults
  store.clearMetrics();
  store.setSample(null);
  // Real models want LoRA and short sequences by default; the user can change both.
  const { settings } = useStore.getState();
  const maxLength = Math.min(128, model.nPositions);
  store.updateSettings({
    lora: settings.lora ?? { rank: 8, alpha: 16, dropout: 0.05, targets: [...model.defaultLoraTargets] },
    maxLength,
    maxPromptLength: Math.min(settings.maxPromptLength, Math.floor(maxLength / 2)),
    batchSize: Math.min(settings.batchSize, 2),
    learningRate: 5e-5,
  });
}

/** A dropped or picked folder (or its files): the model files travel to the worker without a copy. */
export async function loadHfFolder(files: File[], folderName?: string): Promise<void> {
  const store = useStore.getState();
  store.setError(null);
  const picked = files.filter((f) => isHfModelFileName(f.name));
  if (picked.length === 0) {
    store.setError({ message: 'no model files found: drop a folder with config.json, model.safetensors and tokenizer.json', code: 'bad-file' });
    return;
  }
  const relative = (files[0] as File & { webkitRelativePath?: string }).webkitRelativePath ?? '';
  const folder = folderName ?? (relative.includes('/') ? relative.slice(0, relative.indexOf('/')) : null);
  // Files picked one by one have no folder: the label is for the page only, never an export's base model name.
  const name = folder ?? 'dropped model';
  await guarded(async () => {
    const payload = await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    adopt(await worker().call('loadHfModel', { name, files: payload, fromFolder: folder !== null }, payload.map((p) => p.bytes)));
  });
}

/**
 * Downloads (or takes from the browser's cache) a Hub repo's files; the app's only network
 * access. The access token, when the user gave one, goes with this request only.
 */
export async function downloadFromHub(repo: string, revision: string): Promise<void> {
  const store = useStore.getState();
  store.setError(null);
  store.setHubDownload(repo.trim());
  await guarded(async () => {
    try {
      const token = hubToken();
      adopt(await worker().call('downloadHubModel', { repo: repo.trim(), revision: revision.trim() || 'main', ...(token ? { token } : {}) }));
    } finally {
      useStore.getState().setHubProgress(null);
      useStore.getState().setHubDownload(null);
    }
  });
}

export async function cancelHubDownload(): Promise<void> {
  await guarded(() => worker().call('cancelDownload', {}));
}

/** Asks the worker what the current settings need in memory; shown before training starts. */
export async function refreshMemoryEstimate(): Promise<void> {
  const { settings } = useStore.getState();
  try {
    const memory = await worker().call('estimateMemory', { settings, budgetBytes: settings.memoryBudgetMb * 2 ** 20 });
    useStore.getState().setMemory(memory);
  } catch {
    useStore.getState().setMemory(null); // settings mid-edit; the form shows the setting's own error
  }
}

/**
 * What a LoRA run of each suggested model would need at the current settings (batch size, max
 * length, LoRA rank and targets where they fit the model's family), from the worker's estimate.
 */
export async function refreshSuggestionEstimates(): Promise<void> {
  const { settings } = useStore.getState();
  try {
    const answers = await Promise.all(
      SUGGESTED_MODELS.map((m) => worker().call('estimateMemory', { settings, budgetBytes: settings.memoryBudgetMb * 2 ** 20, config: m.config })),
    );
    useStore.getState().setSuggestionMemory(Object.fromEntries(SUGGESTED_MODELS.map((m, i) => [m.repo, answers[i]])));
  } catch {
    useStore.getState().setSuggestionMemory({}); // settings mid-edit, or the worker not started yet
  }
}

type ExportKind = 'exportHfModel' | 'exportAdapter' | 'exportTrl';

/** Options of an export: `float32` writes the merged model's weights as F32 instead of the checkpoint's dtype. */
export interface ExportOptions {
  float32?: boolean;
}

function exportParams(kind: ExportKind, options: ExportOptions) {
  const { settings } = useStore.getState();
  return kind === 'exportHfModel' && options.float32 ? { settings, float32: true } : { settings };
}

/** Zips in the worker; the page only wraps the bytes in a Blob and clicks a link. */
export async function exportAs(kind: ExportKind, options: ExportOptions = {}): Promise<void> {
  await guarded(async () => {
    const { fileName, zip } = await worker().call(kind, exportParams(kind, options));
    download(fileName, zip, 'application/zip');
  });
}

/** What the File System Access API gives in Chrome and Edge (not in every browser's types). */
interface DirectoryHandle {
  name: string;
  getDirectoryHandle(name: string, options: { create: boolean }): Promise<DirectoryHandle>;
  getFileHandle(name: string, options: { create: boolean }): Promise<{ createWritable(): Promise<WritableLike> }>;
}
interface WritableLike {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
type DirectoryPicker = (options: { mode: 'readwrite' }) => Promise<DirectoryHandle>;

const directoryPicker = (): DirectoryPicker | undefined => (window as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;

/** Whether this browser can write an export straight into a folder the user picks. */
export function canExportToFolder(): boolean {
  return directoryPicker() !== undefined;
}

/**
 * Writes an export's files into a folder the user picks (Chrome, Edge), unzipped, instead
 * of downloading a zip. The picker opens first: browsers only allow it during the click.
 */
export async function exportToFolder(kind: ExportKind, options: ExportOptions = {}): Promise<void> {
  const pick = directoryPicker();
  if (!pick) return exportAs(kind, options);
  let root: DirectoryHandle;
  try {
    root = await pick({ mode: 'readwrite' });
  } catch {
    return; // the user closed the picker
  }
  await guarded(async () => {
    const { zip } = await worker().call(kind, exportParams(kind, options));
    const files = unzipSync(new Uint8Array(zip));
    for (const [path, bytes] of Object.entries(files)) {
      const parts = path.split('/');
      let dir = root;
      for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
      const writable = await (await dir.getFileHandle(parts.at(-1)!, { create: true })).createWritable();
      await writable.write(bytes);
      await writable.close();
    }
    useStore.getState().setNotice(`wrote ${Object.keys(files).length} files into the folder "${root.name}"`);
  });
}
