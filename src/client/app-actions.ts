/**
 * What the UI's buttons do: calls into the worker, results into the store. Components call
 * these and read the store; none of them owns training logic.
 */
import { isPresetName, type PresetName } from '../core/model/config';
import { sniffFileKind } from '../core/io/sniff-file';
import { BACKEND_NAMES, type BackendName, type WorkerEvent } from '../protocol/messages';
import { useStore } from '../state/store';
import type { View } from '../state/session-slice';
import { TrainerClient } from './trainer-client';
import { guarded, setWorker, worker } from './connection';
import { download } from './download';
import { loadDatasetSource, restoreOrLoadDemo } from './dataset-actions';
import { loadShippedSft, routeSentimentEvent } from './sentiment-actions';
import { refreshRuns } from './run-actions';
import { droppedFiles } from './dropped-files';
import { loadHfFolder, looksLikeHfModel } from './model-actions';

import { APP_VERSION } from '../core/version';
import { yieldToEventLoop } from '../core/yield-to-event-loop';
export const SAMPLE_PROMPT = 'Review of Night Train:';

/** Rows per chart update when a resumed run delivers its whole history at once. */
const CATCH_UP_ROWS = 1024;
/** Events queue behind a long history being fed to the charts in pieces, so their order holds. */
let queue: Promise<void> = Promise.resolve();
let queued = 0;

const isHistory = (event: WorkerEvent): event is Extract<WorkerEvent, { type: 'metrics' }> =>
  event.type === 'metrics' && event.steps.length > CATCH_UP_ROWS;

function routeEvent(event: WorkerEvent): void {
  if (queued === 0 && !isHistory(event)) return handleEvent(event);
  queued++;
  queue = queue
    .then(() => (isHistory(event) ? appendInPieces(event) : handleEvent(event)))
    .catch((error: unknown) => console.error(error))
    .finally(() => void queued--);
}

/**
 * A history of thousands of steps (a resumed run) goes to the charts a piece per task, so no
 * single main-thread task redraws them all at once.
 */
async function appendInPieces(event: Extract<WorkerEvent, { type: 'metrics' }>): Promise<void> {
  const width = event.values.length / event.steps.length;
  for (let start = 0; start < event.steps.length; start += CATCH_UP_ROWS) {
    const end = Math.min(start + CATCH_UP_ROWS, event.steps.length);
    const steps = event.steps.subarray(start, end);
    const values = event.values.subarray(start * width, end * width);
    useStore.getState().appendMetrics(steps, values, event.stepsPerSecond, event.tokensPerSecond);
    await yieldToEventLoop();
  }
}

function handleEvent(event: WorkerEvent): void {
  const store = useStore.getState();
  switch (event.type) {
    case 'metrics':
      return store.appendMetrics(event.steps, event.values, event.stepsPerSecond, event.tokensPerSecond);
    case 'evalMetrics':
      return store.appendEval(event.step, event.values);
    case 'samples':
      return store.setSamples({ step: event.step, rows: event.rows });
    case 'loadProgress':
      return store.setLoading({ name: event.name, done: event.done, total: event.total });
    case 'runStarted': // a new stage or optimizer: its curves start afresh
      store.clearMetrics();
      store.setSamples(null);
      return store.setStage(event.stage);
    case 'status':
      return store.setStatus(event.status, event.step, event.targetStep, event.progress);
    case 'notice':
      return store.setNotice(event.message);
    case 'runSaved':
      return store.upsertRun(event.run);
    case 'hubProgress':
      return store.setHubProgress(event);
    case 'deviceLost':
      return workerLost(`${event.message}. Restart to continue from the last checkpoint, here or on another backend.`);
    default:
      return routeSentimentEvent(event);
  }
}

export interface StartupOptions {
  preset?: string | null;
  backend?: string | null;
  /** "studio" opens the studio instead of the sentiment demo. */
  view?: string | null;
  /** JSON {models, options}: run the step benchmark in the worker and show its result (npm run bench). */
  bench?: string | null;
}

/** Starts the worker on the best backend and loads the built-in demo dataset. */
export async function startApp(options: StartupOptions, spawn = TrainerClient.spawn): Promise<void> {
  const store = useStore.getState();
  if (options.preset && isPresetName(options.preset)) store.setPreset(options.preset);
  if (options.view === 'studio' || options.view === 'demo') store.setView(options.view);
  const backend = BACKEND_NAMES.find((b) => b === options.backend);
  if (!(await connect(spawn, backend))) return;
  if (options.bench) await runBench(options.bench);
  else if (useStore.getState().view === 'demo') await loadShippedSft();
}

async function runBench(request: string): Promise<void> {
  const result = await guarded(() => worker().call('bench', JSON.parse(request)));
  useStore.setState({ benchResult: JSON.stringify(result ?? { error: useStore.getState().error?.message ?? 'failed' }) });
}

/**
 * Spawns a worker, initialises it, restores the dataset and lists saved runs (offering to
 * resume one a crash or reload interrupted). @returns whether it came up
 */
async function connect(spawn: () => TrainerClient, backend?: BackendName): Promise<boolean> {
  const store = useStore.getState();
  const client = spawn();
  setWorker(client);
  client.onEvent(routeEvent);
  client.onCrash((message) => workerLost(message));
  const ok = await guarded(async () => {
    const { preset, settings } = useStore.getState();
    const init = await worker().call('init', { preset, seed: settings.seed, backend });
    store.setBackend(init.backend);
    store.setModel(init.model);
    store.setStatus('idle');
    await restoreOrLoadDemo();
    // A storage failure here must not stop the app: runs are then just not listed.
    await refreshRuns(true).catch((error: Error) => store.setNotice(`Saved runs could not be read: ${error.message}`));
    return true;
  });
  return ok === true;
}

/** The worker crashed or its GPU device was lost: stop using it and offer a restart. */
function workerLost(message: string): void {
  const store = useStore.getState();
  store.setWorkerLost(message);
  store.setStatus('idle');
  store.setDemoActivity('idle');
}

/** A fresh worker (on the chosen backend, or the best one); an interrupted run is then offered for resuming. */
export async function restartWorker(backend?: BackendName, spawn = TrainerClient.spawn): Promise<void> {
  const store = useStore.getState();
  try {
    worker().terminate();
  } catch {
    // no worker to stop
  }
  store.setWorkerLost(null);
  store.setError(null);
  store.setDemoSft(null);
  store.setStatus('starting');
  if ((await connect(spawn, backend)) && useStore.getState().view === 'demo') await loadShippedSft();
}

/** Switches views; the demo's SFT checkpoint is fetched the first time the demo is shown. */
export function showView(view: View): void {
  const store = useStore.getState();
  store.setView(view);
  if (view === 'demo' && !store.demoSft && store.demoActivity === 'idle' && store.status !== 'starting') void loadShippedSft();
}

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
    if (sniffFileKind(head, file.size) === 'model') await importModel(file.name, await file.arrayBuffer());
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

export async function train(): Promise<void> {
  const store = useStore.getState();
  store.setError(null);
  const result = await guarded(() => worker().call('start', { settings: store.settings }));
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
