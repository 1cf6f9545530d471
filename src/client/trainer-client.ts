import {
  PROTOCOL_VERSION,
  type ErrorCode,
  type Params,
  type Request,
  type RequestName,
  type Result,
  type WorkerEvent,
  type WorkerMessage,
} from '../protocol/messages';

/** A worker error on the page side, keeping the code the UI branches on. */
export class WorkerError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: WorkerError) => void;
}

/** Minimal Worker surface, so tests can pass a fake. */
export interface WorkerLike {
  postMessage(message: Request, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

/** Typed promise API over the training worker, plus its event stream. */
export class TrainerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private readonly crashListeners = new Set<(message: string) => void>();

  constructor(private readonly worker: WorkerLike) {
    worker.onmessage = (event) => this.receive(event.data);
    worker.onerror = (event) => {
      const message = `the training worker crashed: ${event.message || 'unknown error'}`;
      this.failAll(new WorkerError(message, 'internal'));
      for (const listener of this.crashListeners) listener(message);
    };
  }

  static spawn(): TrainerClient {
    return new TrainerClient(
      new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' }) as unknown as WorkerLike,
    );
  }

  /** @param transfer buffers handed to the worker; the caller must not use them again */
  call<K extends RequestName>(type: K, params: Params<K>, transfer: Transferable[] = []): Promise<Result<K>> {
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      // The response is matched by id to the request that created it, so its result has this K's type.
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ v: PROTOCOL_VERSION, id, type, params } as Request, transfer);
    });
  }

  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The worker died (an uncaught error, out of memory): pending calls have been rejected. */
  onCrash(listener: (message: string) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  terminate(): void {
    this.worker.terminate();
    this.failAll(new WorkerError('the training worker was stopped', 'internal'));
  }

  private receive(message: WorkerMessage): void {
    if (message.kind === 'event') {
      for (const listener of this.listeners) listener(message.event);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new WorkerError(message.error.message, message.error.code, message.error.field));
  }

  private failAll(error: WorkerError): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
