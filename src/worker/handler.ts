import {
  PROTOCOL_VERSION,
  type Params,
  type Request,
  type RequestName,
  type Result,
  type WorkerEvent,
  type WorkerMessage,
} from '../protocol/messages';
import { TRANSFERABLE_EVENT_FIELDS, TRANSFERABLE_RESULT_FIELDS } from '../protocol/transferables';
import { selectBackend, watchDeviceLoss } from './backend';
import { CodedError, toWireError } from './errors';
import { TrainingSession } from './training/training-session';
import { SentimentDemo } from './training/sentiment-demo';
import { SamplingRequests } from './training/sampling-requests';
import { TestHold } from './training/test-hold';
import { DatasetRequests } from './datasets/dataset-requests';
import { IndexedDbStorage, MemoryStorage, type DatasetStorage } from './datasets/dataset-storage';
import { IndexedDbRunStorage, MemoryRunStorage, type RunStorage } from './runs/run-storage';
import { RunRecorder } from './runs/run-recorder';
import { RunRequests } from './runs/run-requests';
import { runBench } from './training/bench';
import { ModelRequests } from './models/model-requests';
import { browserFileCache } from './models/hub/hub-download';

/** IndexedDB where the runtime has it (browser workers), memory elsewhere (Node tests). */
function defaultStorage(): DatasetStorage {
  return typeof indexedDB === 'undefined' ? new MemoryStorage() : new IndexedDbStorage();
}

function defaultRunStorage(): RunStorage {
  return typeof indexedDB === 'undefined' ? new MemoryRunStorage() : new IndexedDbRunStorage();
}

/** What the handler needs of a worker scope; tests pass a fake. */
export interface WorkerPort {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
}

type Handlers = { [K in RequestName]: (params: Params<K>) => Promise<Result<K>> | Result<K> };

/**
 * The buffers of the fields the protocol declares transferable; every other field is copied,
 * so code that reads an array after sending it (the demo's progress) still can.
 */
function transferablesOf(value: unknown, fields: readonly PropertyKey[] | undefined): Transferable[] {
  if (!fields || typeof value !== 'object' || value === null) return [];
  return fields.flatMap((field) => {
    const v = (value as Record<PropertyKey, unknown>)[field];
    if (v instanceof ArrayBuffer) return [v];
    return ArrayBuffer.isView(v) ? [v.buffer as ArrayBuffer] : [];
  });
}

/**
 * Maps typed requests onto a TrainingSession. `init` must come first: it picks the backend.
 * Requests are answered in any order (stop is answered while start is still running).
 */
export function createHandler(
  port: WorkerPort,
  chooseBackend = selectBackend,
  makeStorage: () => DatasetStorage = defaultStorage,
  makeRunStorage: () => RunStorage = defaultRunStorage,
): (request: Request) => Promise<void> {
  /** Everything `init` creates; null before it. */
  let parts: {
    session: TrainingSession;
    sampling: SamplingRequests;
    runs: RunRequests;
    datasets: DatasetRequests;
    demo: SentimentDemo;
    models: ModelRequests;
  } | null = null;
  const emit = (event: WorkerEvent) =>
    port.postMessage({ v: PROTOCOL_VERSION, kind: 'event', event }, transferablesOf(event, TRANSFERABLE_EVENT_FIELDS[event.type]));
  const need = () => {
    if (!parts) throw new CodedError('protocol', 'the worker was not initialised');
    return parts;
  };
  const handlers: Handlers = {
    init: async ({ preset, seed, backend, testHoldAtStep }) => {
      const info = await chooseBackend(backend);
      watchDeviceLoss((message) => emit({ type: 'deviceLost', message }));
      // The studio and the demo share one device: each refuses to start while the other runs.
      const datasets = new DatasetRequests(makeStorage(), emit, () => parts?.session.assertIdle());
      const runStorage = makeRunStorage();
      const recorder = new RunRecorder(runStorage, emit);
      const hold = new TestHold(testHoldAtStep);
      const session = new TrainingSession(info, emit, datasets, recorder, runStorage, () => parts?.demo.assertIdle(), hold);
      const runs = new RunRequests(runStorage, () => recorder.current?.id ?? null);
      const demo = new SentimentDemo(emit, () => session.assertIdle(), hold);
      const models = new ModelRequests(session, emit, { fetch: (...a) => fetch(...a), cache: browserFileCache });
      const sampling = new SamplingRequests(session, () => parts?.demo.assertIdle());
      parts = { session, sampling, runs, datasets, demo, models };
      return { backend: info, model: session.resetModel({ preset, seed }) };
    },
    loadDataset: (p) => need().datasets.loadDataset(p),
    clearEvalDataset: () => need().datasets.clearEvalDataset(),
    restoreDataset: () => need().datasets.restoreDataset(),
    activateDataset: (p) => need().datasets.activateDataset(p),
    deleteDataset: (p) => need().datasets.deleteDataset(p),
    queryPairs: (p) => need().datasets.queryPairs(p),
    editPair: (p) => need().datasets.editPair(p),
    deletePair: (p) => need().datasets.deletePair(p),
    addPair: (p) => need().datasets.addPair(p),
    removeLastPair: () => need().datasets.removeLastPair(),
    addUnpaired: (p) => need().datasets.addUnpaired(p),
    removeLastUnpaired: () => need().datasets.removeLastUnpaired(),
    exportDataset: () => need().datasets.exportDataset(),
    exportProblems: () => need().datasets.exportProblems(),
    describeDataset: (p) => need().datasets.describeDataset(p),
    sampleTwo: (p) => need().sampling.sampleTwo(p),
    start: (p) => {
      need().models.assertFits(p.settings, p.settings.memoryBudgetMb * 2 ** 20);
      return need().session.start(p);
    },
    stop: () => need().session.stop(),
    resetModel: (p) => need().session.resetModel(p),
    exportWeights: (p) => need().session.exportWeights(p),
    importWeights: (p) => need().session.importWeights(p),
    sample: (p) => need().sampling.sample(p),
    listRuns: () => need().runs.list(),
    runHistory: (p) => need().runs.history(p),
    resumeRun: (p) => need().session.resumeRun(p),
    renameRun: (p) => need().runs.rename(p),
    deleteRun: (p) => need().runs.remove(p),
    exportRun: (p) => need().runs.export(p),
    bench: (p) => runBench(p, () => (need().session.assertIdle(), need().demo.assertIdle())),
    sentimentLoad: (p) => need().demo.load(p),
    sentimentSft: (p) => need().demo.retrainSft(p),
    sentimentRun: (p) => need().demo.run(p),
    sentimentStop: () => need().demo.stop(),
    loadHfModel: (p) => need().models.loadHfModel(p),
    downloadHubModel: (p) => need().models.downloadHubModel(p),
    cancelDownload: () => need().models.cancelDownload(),
    estimateMemory: (p) => need().models.estimateMemory(p),
    exportHfModel: (p) => need().models.exportHfModel(p),
    exportAdapter: (p) => need().models.exportAdapter(p),
    exportTrl: (p) => need().models.exportTrl(p),
  };

  return async (request) => {
    const reply = (message: WorkerMessage, transfer: Transferable[] = []) => port.postMessage(message, transfer);
    if (request?.v !== PROTOCOL_VERSION) {
      reply({
        v: PROTOCOL_VERSION,
        kind: 'response',
        id: request?.id ?? -1,
        ok: false,
        error: toWireError(new CodedError('protocol', `unsupported message version ${request?.v}`)),
      });
      return;
    }
    try {
      const handler = handlers[request.type] as (params: unknown) => Promise<unknown> | unknown;
      const result = await handler(request.params);
      reply({ v: PROTOCOL_VERSION, kind: 'response', id: request.id, ok: true, result }, transferablesOf(result, TRANSFERABLE_RESULT_FIELDS[request.type]));
    } catch (error) {
      reply({ v: PROTOCOL_VERSION, kind: 'response', id: request.id, ok: false, error: toWireError(error) });
    }
  };
}
