import {
  PROTOCOL_VERSION,
  type Params,
  type Request,
  type RequestName,
  type Result,
  type WorkerEvent,
  type WorkerMessage,
} from '../protocol/messages';
import { selectBackend, watchDeviceLoss } from './backend';
import { CodedError, toWireError } from './errors';
import { TrainingSession } from './training-session';
import { SentimentDemo } from './sentiment-demo';
import { DatasetRequests } from './dataset-requests';
import { IndexedDbStorage, MemoryStorage, type DatasetStorage } from './dataset-storage';
import { IndexedDbRunStorage, MemoryRunStorage, type RunStorage } from './run-storage';
import { RunRecorder } from './run-recorder';
import { RunRequests } from './run-requests';

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

/** Buffers that can be handed over without a copy (the sender never reads them again). */
function transferablesOf(value: unknown): Transferable[] {
  if (value instanceof ArrayBuffer) return [value];
  if (ArrayBuffer.isView(value)) return [value.buffer as ArrayBuffer];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(transferablesOf);
  return [];
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
  let session: TrainingSession | null = null;
  let runs: RunRequests | null = null;
  let datasets: DatasetRequests | null = null;
  let demo: SentimentDemo | null = null;
  const emit = (event: WorkerEvent) => port.postMessage({ v: PROTOCOL_VERSION, kind: 'event', event }, transferablesOf(event));
  const needSession = () => {
    if (!session) throw new CodedError('protocol', 'the worker was not initialised');
    return session;
  };
  const needDemo = () => {
    if (!demo) throw new CodedError('protocol', 'the worker was not initialised');
    return demo;
  };
  const needRuns = () => {
    if (!runs) throw new CodedError('protocol', 'the worker was not initialised');
    return runs;
  };
  const needData = () => {
    if (!datasets) throw new CodedError('protocol', 'the worker was not initialised');
    return datasets;
  };
  const handlers: Handlers = {
    init: async ({ preset, seed, backend }) => {
      const info = await chooseBackend(backend);
      watchDeviceLoss((message) => emit({ type: 'deviceLost', message }));
      // The studio and the demo share one device: each refuses to start while the other runs.
      datasets = new DatasetRequests(makeStorage(), emit, () => session?.assertIdle());
      const runStorage = makeRunStorage();
      const recorder = new RunRecorder(runStorage, emit);
      session = new TrainingSession(info, emit, datasets, recorder, runStorage, () => demo?.assertIdle());
      runs = new RunRequests(runStorage, () => recorder.current?.id ?? null);
      demo = new SentimentDemo(emit, () => session?.assertIdle());
      return { backend: info, model: session.resetModel({ preset, seed }) };
    },
    loadDataset: (p) => needData().loadDataset(p),
    clearEvalDataset: () => needData().clearEvalDataset(),
    restoreDataset: () => needData().restoreDataset(),
    activateDataset: (p) => needData().activateDataset(p),
    deleteDataset: (p) => needData().deleteDataset(p),
    queryPairs: (p) => needData().queryPairs(p),
    editPair: (p) => needData().editPair(p),
    deletePair: (p) => needData().deletePair(p),
    addPair: (p) => needData().addPair(p),
    removeLastPair: () => needData().removeLastPair(),
    exportDataset: () => needData().exportDataset(),
    exportProblems: () => needData().exportProblems(),
    describeDataset: (p) => needData().describeDataset(p),
    sampleTwo: (p) => needSession().sampleTwo(p),
    start: (p) => needSession().start(p),
    stop: () => needSession().stop(),
    resetModel: (p) => needSession().resetModel(p),
    exportWeights: (p) => needSession().exportWeights(p),
    importWeights: (p) => needSession().importWeights(p),
    sample: (p) => needSession().sample(p),
    listRuns: () => needRuns().list(),
    runHistory: (p) => needRuns().history(p),
    resumeRun: (p) => needSession().resumeRun(p),
    renameRun: (p) => needRuns().rename(p),
    deleteRun: (p) => needRuns().remove(p),
    exportRun: (p) => needRuns().export(p),
    sentimentLoad: (p) => needDemo().load(p),
    sentimentSft: (p) => needDemo().retrainSft(p),
    sentimentRun: (p) => needDemo().run(p),
    sentimentStop: () => needDemo().stop(),
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
      reply({ v: PROTOCOL_VERSION, kind: 'response', id: request.id, ok: true, result }, transferablesOf(result));
    } catch (error) {
      reply({ v: PROTOCOL_VERSION, kind: 'response', id: request.id, ok: false, error: toWireError(error) });
    }
  };
}
