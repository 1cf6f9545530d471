/** The runs list's buttons: resume, rename, delete, export, compare. */
import { APP_VERSION } from '../core/version';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';
import { download } from './download';
import { train } from './training-actions';

/** Loads the run's last checkpoint and trains on to its target step (or just loads it when it is there). */
export async function resumeRun(id: string): Promise<void> {
  const store = useStore.getState();
  store.setError(null);
  store.setInterrupted(null);
  const resumed = await guarded(() => worker().call('resumeRun', { id }));
  if (!resumed) return;
  store.setModel(resumed.model);
  store.updateSettings(resumed.run.settings);
  if (resumed.dataset?.summary) {
    store.setDataset(resumed.dataset.summary);
    store.setLibrary(resumed.dataset.library);
  }
  if (resumed.run.step < resumed.run.settings.steps) await train();
}

export async function renameRun(id: string, name: string): Promise<void> {
  const list = await guarded(() => worker().call('renameRun', { id, name }));
  if (list) useStore.getState().setRuns(list);
}

export async function deleteRun(id: string): Promise<void> {
  const list = await guarded(() => worker().call('deleteRun', { id }));
  if (list) useStore.getState().setRuns(list);
}

export async function exportSavedRun(id: string): Promise<void> {
  await guarded(async () => {
    const { fileName, zip } = await worker().call('exportRun', { id, appVersion: APP_VERSION });
    download(fileName, zip, 'application/zip');
  });
}

/** Overlays the loss curves of the given runs. */
export async function compareRuns(ids: string[]): Promise<void> {
  const result = await guarded(() => worker().call('runHistory', { ids }));
  if (!result) return;
  const names = new Map(useStore.getState().runs.map((r) => [r.id, r.name]));
  useStore.getState().setCompared(result.runs.map((r) => ({ ...r, name: names.get(r.id) ?? r.id })));
}
