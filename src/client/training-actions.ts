/** The studio's training buttons: train, stop, sample, change the preset, export. */
import type { PresetName } from '../core/model/config';
import { APP_VERSION } from '../core/version';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';
import { download } from './download';
import { refreshRuns } from './run-list';

export const SAMPLE_PROMPT = 'Review of Night Train:';

/**
 * Trains the current run to its target with the store's settings (a new run or a resumed
 * one): the model's step follows, a divergence is the error shown, and a failure mid-run
 * offers the run's last checkpoint.
 */
export async function train(): Promise<void> {
  const store = useStore.getState();
  store.setError(null);
  const result = await guarded(() => worker().call('start', { settings: useStore.getState().settings }));
  // A failure mid-run (out of GPU memory, a lost device): offer the run's last checkpoint.
  if (!result && useStore.getState().error?.code === 'internal') await refreshRuns(true).catch(() => undefined);
  const model = useStore.getState().model;
  if (result && model) store.setModel({ ...model, step: result.step });
  if (result?.diverged) store.setError({ message: result.diverged.message, code: 'diverged' });
}

export async function stop(): Promise<void> {
  useStore.getState().setStatus('stopping');
  await guarded(() => worker().call('stop', {}));
}

export async function changePreset(preset: PresetName): Promise<void> {
  const store = useStore.getState();
  store.setError(null);
  await guarded(async () => {
    const model = await worker().call('resetModel', { preset, seed: store.settings.seed });
    store.setPreset(preset);
    store.setModel(model);
    store.clearMetrics();
    store.setSample(null);
  });
}

export async function sampleModel(prompt = SAMPLE_PROMPT): Promise<void> {
  await guarded(async () => {
    const { completion } = await worker().call('sample', { prompt, maxNewTokens: 24 });
    useStore.getState().setSample({ prompt, completion });
  });
}

/** Zips in the worker; the page only wraps the bytes in a Blob and clicks a link. */
export async function exportRun(): Promise<void> {
  await guarded(async () => {
    const { settings } = useStore.getState();
    const { fileName, zip } = await worker().call('exportWeights', { settings, appVersion: APP_VERSION });
    download(fileName, zip, 'application/zip');
  });
}
