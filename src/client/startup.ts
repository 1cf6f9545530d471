/** Start-up and the worker's lifecycle: spawn, initialise, restore, restart after a crash. */
import { isPresetName } from '../core/model/config';
import { BACKEND_NAMES, type BackendName } from '../protocol/messages';
import { useStore } from '../state/store';
import type { View } from '../state/session-slice';
import { TrainerClient } from './trainer-client';
import { guarded, setWorker, worker } from './connection';
import { restoreOrLoadDemo } from './dataset-actions';
import { loadShippedSft } from './sentiment-actions';
import { refreshRuns } from './run-list';
import { routeEvent, workerLost } from './event-routing';

export interface StartupOptions {
  preset?: string | null;
  backend?: string | null;
  /** "studio" opens the studio instead of the sentiment demo. */
  view?: string | null;
  /** JSON {models, options}: run the step benchmark in the worker and show its result (npm run bench). */
  bench?: string | null;
  /** End-to-end tests only: every run waits before this step + 1 until it is stopped (init's testHoldAtStep). */
  testHold?: string | null;
}

/** Kept for a restarted worker too. */
let testHoldAtStep: number | undefined;

/** Starts the worker on the best backend and loads the built-in demo dataset. */
export async function startApp(options: StartupOptions, spawn = TrainerClient.spawn): Promise<void> {
  const store = useStore.getState();
  if (options.preset && isPresetName(options.preset)) store.setPreset(options.preset);
  if (options.view === 'studio' || options.view === 'demo') store.setView(options.view);
  const backend = BACKEND_NAMES.find((b) => b === options.backend);
  const hold = Number(options.testHold);
  testHoldAtStep = options.testHold && Number.isInteger(hold) && hold >= 0 ? hold : undefined;
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
    const init = await worker().call('init', { preset, seed: settings.seed, backend, ...(testHoldAtStep !== undefined ? { testHoldAtStep } : {}) });
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
