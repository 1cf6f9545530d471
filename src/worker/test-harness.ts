// The worker handler driven in Node through a fake port, on the cpu backend (tests only).
import { createHandler } from './handler';
import { PROTOCOL_VERSION, type Request, type WorkerEvent, type WorkerMessage } from '../protocol/messages';
import { MemoryStorage, type DatasetStorage } from './dataset-storage';
import { MemoryRunStorage, type RunStorage } from './run-storage';

export function harness(storage: DatasetStorage = new MemoryStorage(), runStorage: RunStorage = new MemoryRunStorage()) {
  const messages: WorkerMessage[] = [];
  const handle = createHandler(
    { postMessage: (m) => messages.push(m) },
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
  return { messages, call, handle, events };
}

export const jsonl = (rows: object[]) => new TextEncoder().encode(rows.map((r) => JSON.stringify(r)).join('\n')).buffer as ArrayBuffer;
