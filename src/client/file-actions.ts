/** Dropped and picked files: a Hugging Face folder, an exported model, or a dataset, told apart by content. */
import { sniffFileKind } from '../core/io/sniff-file';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';
import { loadDatasetSource } from './dataset-actions';
import { droppedFiles } from './dropped-files';
import { loadHfFolder, looksLikeHfModel } from './model-actions';

/** A drop anywhere on the page: a Hugging Face model folder, or files (datasets, exported models). */
export async function openDropped(transfer: DataTransfer): Promise<void> {
  const { files, folder } = await droppedFiles(transfer);
  if (looksLikeHfModel(files)) {
    useStore.getState().setView('studio');
    await loadHfFolder(files, folder ?? undefined);
  } else await openFiles(files);
}

/** Several dropped or picked files, one after another: each becomes the active dataset (or model) in turn. */
export async function openFiles(files: File[]): Promise<void> {
  // A dropped dataset or model belongs to the studio, wherever it was dropped.
  if (files.length > 0) useStore.getState().setView('studio');
  for (const file of files) await openFile(file);
}

/** A dropped or picked file: an exported zip or safetensors reloads weights; text is a dataset. */
export async function openFile(file: File): Promise<void> {
  useStore.getState().setError(null);
  await guarded(async () => {
    // Only the first bytes are read here: a dataset is streamed by the worker, never whole on the page.
    const head = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
    if (sniffFileKind(head, file.size, file.name) === 'model') await importModel(file.name, await file.arrayBuffer());
    else await loadDatasetSource({ name: file.name, role: 'train', file });
  });
}

async function importModel(name: string, bytes: ArrayBuffer): Promise<void> {
  const model = await worker().call('importWeights', { name, bytes }, [bytes]);
  const store = useStore.getState();
  store.setModel(model);
  store.clearMetrics();
  store.setSample(null);
  if (model.preset !== 'custom') store.setPreset(model.preset);
}
