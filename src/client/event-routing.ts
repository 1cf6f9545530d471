/**
 * Worker events into the store, from outside React. A resumed run's long history reaches the
 * charts in pieces, and the events behind it wait their turn, so their order holds.
 */
import type { WorkerEvent } from '../protocol/messages';
import { useStore } from '../state/store';
import { yieldToEventLoop } from '../core/yield-to-event-loop';
import { routeSentimentEvent } from './sentiment-actions';

/** Rows per chart update when a resumed run delivers its whole history at once. */
const CATCH_UP_ROWS = 1024;
/** Events queue behind a long history being fed to the charts in pieces, so their order holds. */
let queue: Promise<void> = Promise.resolve();
let queued = 0;

const isHistory = (event: WorkerEvent): event is Extract<WorkerEvent, { type: 'metrics' }> =>
  event.type === 'metrics' && event.steps.length > CATCH_UP_ROWS;

export function routeEvent(event: WorkerEvent): void {
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
      return store.setStatus(event.status, event.step, event.targetStep);
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

/** The worker crashed or its GPU device was lost: stop using it and offer a restart. */
export function workerLost(message: string): void {
  const store = useStore.getState();
  store.setWorkerLost(message);
  store.setStatus('idle');
  store.setDemoActivity('idle');
}
