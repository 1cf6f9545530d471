// The worker handler driven in Node through a fake port, on the cpu backend (tests only).
import { createHandler } from '../handler';
import { PROTOCOL_VERSION, type Request, type WorkerEvent, type WorkerMessage } from '../../protocol/messages';
import { MemoryStorage, type DatasetStorage } from '../datasets/dataset-storage';
import { MemoryRunStorage, type RunStorage } from '../runs/run-storage';

export function harness(storage: DatasetStorage = new MemoryStorage(), runStorage: RunStorage = new MemoryRunStorage()) {
  const messages: WorkerMessage[] = [];
  /** How many buffers each message (same index) transferred. */
  const transferred: number[] = [];
  const waiting: { matches: (event: WorkerEvent) => boolean; resolve: (event: WorkerEvent) => void }[] = [];
  const post = (message: WorkerMessage) => {
    messages.push(message);
    if (message.kind !== 'event') return;
    for (const w of waiting.filter((w) => w.matches(message.event))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(message.event);
    }
  };
  // Posting clones through structuredClone with the transfer list, as a real port does: a
  // buffer the worker reads after sending it is detached here too, and the test sees it.
  const handle = createHandler(
    { postMessage: (m, transfer = []) => (transferred.push(transfer.length), post(structuredClone(m, { transfer }))) },
    async () => ({ backend: 'cpu', adapter: '', fallbackReasons: [] }),
    () => storage,
    () => runStorage,
  );
  let id = 0;
  const call = async <T>(type: Request['type'], params: unknown): Promise<T> => {
    const requestId = ++id;
    await handle({ v: PROTOCOL_VERSION, id: requestId, type, params } as Request);
    const response = messages.find((m) => m.kind === 'response' && m.id === requestId);
    if (!response || response.kind !== 'response') throw new Error('no response');
    if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
    return response.result as T;
  };
  const events = <K extends WorkerEvent['type']>(type: K) =>
    messages.flatMap((m) => (m.kind === 'event' && m.event.type === type ? [m.event as Extract<WorkerEvent, { type: K }>] : []));
  /**
   * The first event of this type (that satisfies `where`), already posted or still to come:
   * what a test waits on instead of sleeping.
   */
  const eventWhen = <K extends WorkerEvent['type']>(type: K, where: (event: Extract<WorkerEvent, { type: K }>) => boolean = () => true) => {
    type E = Extract<WorkerEvent, { type: K }>;
    const matches = (event: WorkerEvent): boolean => event.type === type && where(event as E);
    const posted = events(type).find((event) => matches(event));
    if (posted) return Promise.resolve(posted);
    return new Promise<E>((resolve) => waiting.push({ matches, resolve: resolve as (event: WorkerEvent) => void }));
  };
  return { messages, transferred, call, handle, events, eventWhen };
}

export const jsonl = (rows: object[]) => new TextEncoder().encode(rows.map((r) => JSON.stringify(r)).join('\n')).buffer as ArrayBuffer;
