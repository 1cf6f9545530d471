/**
 * Hugging Face models from the page: a dropped folder, a Hub download, the memory estimate
 * of the current settings, and the exports (merged folder, PEFT adapter, Continue in TRL).
 */
import type { ModelInfo } from '../protocol/messages';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';
import { isHfModelFileName } from '../core/io/hf-model';
import { unzipSync } from 'fflate';
import { download } from './download';

/** A drop is a model folder when it brings config.json, tokenizer.json and safetensors weights. */
export function looksLikeHfModel(files: readonly File[]): boolean {
  const names = new Set(files.map((f) => f.name));
  return names.has('config.json') && names.has('tokenizer.json') && files.some((f) => f.name.endsWith('.safetensors'));
}

function adopt(model: ModelInfo): void {
  const store = useStore.getState();
  store.setModel(model);
  store.clearMetrics();
  store.setSample(null);
  // Real models want LoRA and short sequences by default; the user can change both.
  const maxLength = Math.min(128, model.nPositions);
  store.updateSettings({
    lora: store.settings.lora ?? { rank: 8, alpha: 16, dropout: 0.05, targets: ['c_attn'] },
    maxLength,
    maxPromptLength: Math.min(store.settings.maxPromptLength, Math.floor(maxLength / 2)),
    batchSize: Math.min(store.settings.batchSize, 2),
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
  const name = folderName ?? (relative.includes('/') ? relative.slice(0, relative.indexOf('/')) : 'dropped model');
  await guarded(async () => {
    const payload = await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    adopt(await worker().call('loadHfModel', { name, files: payload }, payload.map((p) => p.bytes)));
  });
}

/** Downloads (or takes from the browser's cache) a Hub repo's files; the app's only network access. */
export async function downloadFromHub(repo: string, revision: string): Promise<void> {
  const store = useStore.getState();
  store.setError(null);
  await guarded(async () => {
    try {
      adopt(await worker().call('downloadHubModel', { repo: repo.trim(), revision: revision.trim() || 'main' }));
    } finally {
      useStore.getState().setHubProgress(null);
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

type ExportKind = 'exportHfModel' | 'exportAdapter' | 'exportTrl';

/** Zips in the worker; the page only wraps the bytes in a Blob and clicks a link. */
export async function exportAs(kind: ExportKind): Promise<void> {
  await guarded(async () => {
    const { settings } = useStore.getState();
    const { fileName, zip } = await worker().call(kind, { settings });
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
export async function exportToFolder(kind: ExportKind): Promise<void> {
  const pick = directoryPicker();
  if (!pick) return exportAs(kind);
  let root: DirectoryHandle;
  try {
    root = await pick({ mode: 'readwrite' });
  } catch {
    return; // the user closed the picker
  }
  await guarded(async () => {
    const { settings } = useStore.getState();
    const { zip } = await worker().call(kind, { settings });
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
